package io.charrnn.model;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static io.charrnn.model.FusedLstmParams.BIAS;
import static io.charrnn.model.FusedLstmParams.INPUT_WEIGHTS;
import static io.charrnn.model.FusedLstmParams.RECURRENT_WEIGHTS;

/**
 * The layer behind {@link FusedLstm}. DL4J's stock LSTM runs a Java loop of ~30 small native operations per time
 * step and recomputes the forward pass in backprop; on a CPU their call overhead dominates. Here one matrix product
 * covers the input projection of all time steps, each step adds one product with the recurrent weights, and the gate
 * functions, cell update and their derivatives run in one Java loop ({@link LstmKernel}); the forward pass is kept
 * for backprop. Parameters and gradients are DL4J's views, so updaters, clipping, parameter averaging, TBPTT, state
 * for sampling and serialisation work as with the stock layer.
 */
public final class FusedLstmLayer extends BaseRecurrentLayer<FusedLstm> {
    static final String STATE_OUTPUT = "prevAct";
    static final String STATE_CELL = "prevMem";

    private static final String NO_MASKS = "FusedLstm does not take mask arrays; use equal-length batches";

    private transient LstmKernel kernel;
    private transient AdaptiveInput adaptiveInput;

    public FusedLstmLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Gradient gradient() {
        throw new UnsupportedOperationException("layer-wise pretraining is not supported by " + layerId());
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return forward(training, null, null, workspaceMgr);
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(false, stateMap.get(STATE_OUTPUT), stateMap.get(STATE_CELL), workspaceMgr);
        kernel.lastState(stateMap, STATE_OUTPUT, STATE_CELL);
        return out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(training, tBpttStateMap.get(STATE_OUTPUT), tBpttStateMap.get(STATE_CELL),
                workspaceMgr);
        if (storeLastForTBPTT) {
            kernel.lastState(tBpttStateMap, STATE_OUTPUT, STATE_CELL);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return backprop(epsilon, false, -1, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackwardLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        return backprop(epsilon, true, tbpttBackwardLength, workspaceMgr);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        if (maskArray != null) {
            throw new UnsupportedOperationException(NO_MASKS);
        }
        return new Pair<>(null, currentMaskState);
    }

    private INDArray forward(boolean training, INDArray initialOutput, INDArray initialCell,
                             LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (maskArray != null) {
            throw new UnsupportedOperationException(NO_MASKS);
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        boolean twoDimensional = x.rank() == 2;
        long batch = x.size(0);
        long time = twoDimensional ? 1 : x.size(2);
        INDArray out = twoDimensional
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, hidden()}, 'f')
                : timeMajor(workspaceMgr, ArrayType.ACTIVATIONS, batch, hidden(), time);
        AdaptiveInput adaptive = adaptiveInput();
        INDArray w = adaptive == null ? getParamWithNoise(INPUT_WEIGHTS, training, workspaceMgr) : null;
        kernel().forward(adaptive == null ? x : adaptive.ranksOf(x), idInput() ? null : w, inputRows(w),
                getParamWithNoise(RECURRENT_WEIGHTS, training, workspaceMgr),
                getParamWithNoise(BIAS, training, workspaceMgr), initialOutput, initialCell, training, out);
        return out;
    }

    private Pair<Gradient, INDArray> backprop(INDArray epsilon, boolean truncated, int backwardLength,
                                              LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!kernel().holdsForwardOf(input)) {
            // Backprop without a kept forward pass (DL4J's fit always runs one first, but the API allows it).
            if (truncated) {
                forward(true, stateMap.get(STATE_OUTPUT), stateMap.get(STATE_CELL), workspaceMgr);
            } else {
                forward(true, null, null, workspaceMgr);
            }
        }
        if (truncated) {
            kernel.lastState(tBpttStateMap, STATE_OUTPUT, STATE_CELL);
        }
        INDArray epsilonOut = input.rank() == 2
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'f')
                : timeMajor(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.size(0), input.size(1), input.size(2));
        INDArray w = adaptiveInput() == null ? getParamWithNoise(INPUT_WEIGHTS, true, workspaceMgr) : null;
        kernel.backward(epsilon.dataType() == dataType ? epsilon : epsilon.castTo(dataType), idInput() ? null : w,
                inputRows(w), getParamWithNoise(RECURRENT_WEIGHTS, true, workspaceMgr),
                truncated ? backwardLength : -1, idInput() ? null : gradientViews.get(INPUT_WEIGHTS),
                gradientViews.get(RECURRENT_WEIGHTS), gradientViews.get(BIAS), epsilonOut);
        Gradient gradient = new DefaultGradient();
        for (String key : FusedLstmParams.INSTANCE.paramKeys(layerConf())) {
            gradient.gradientForVariable().put(key, gradientViews.get(key));
        }
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(epsilonOut));
    }

    /**
     * A [batch, features, time] array laid out as the kernel's rows, time step after time step ([time, batch,
     * features] in C order, seen permuted): the kernel writes it with a straight copy, and the next fused layer
     * reads it so.
     */
    private INDArray timeMajor(LayerWorkspaceMgr workspaceMgr, ArrayType type, long batch, long features,
                               long time) {
        return workspaceMgr.createUninitialized(type, dataType, new long[]{time, batch, features}, 'c')
                .permute(1, 2, 0);
    }

    /** The adaptive input's rows and their gradients, or null when W has a row per symbol. */
    private AdaptiveInput adaptiveInput() {
        if (adaptiveInput == null && layerConf().inputLayout() != null) {
            adaptiveInput = new AdaptiveInput(layerConf().inputLayout());
        }
        return adaptiveInput;
    }

    /**
     * With id input, where the kernel reads the rows of W (w: its values for this pass) and puts their gradients
     * (a network that has not trained has no gradient views yet: its forward passes only gather).
     */
    private InputRows inputRows(INDArray w) {
        if (!idInput()) {
            return null;
        }
        AdaptiveInput adaptive = adaptiveInput();
        return adaptive != null ? adaptive.rows(params, gradientViews)
                : InputRows.of(w, gradientViews == null ? null : gradientViews.get(INPUT_WEIGHTS));
    }

    private boolean idInput() {
        return layerConf().isIdInput();
    }

    private LstmKernel kernel() {
        if (kernel == null) {
            kernel = LstmKernel.create((int) layerConf().getNIn(), hidden(), dataType, true, idInput());
        }
        return kernel;
    }

    private int hidden() {
        return (int) layerConf().getNOut();
    }
}
