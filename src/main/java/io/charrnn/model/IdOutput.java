package io.charrnn.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;

/**
 * The softmax output of a network that takes target ids ({@link IdCrossEntropy}): DL4J's RnnOutputLayer, but a
 * training step's score is the one its gradient pass computed ({@link BackpropScoredOutput}). Float networks train through {@link SoftmaxCrossEntropy} instead of DL4J's pass (the same quantities); doubles
 * (gradient checks), masks and inference take DL4J's.
 * Stored in the network's JSON by class name, hence the public no-argument constructor.
 */
public class IdOutput extends RnnOutputLayer {
    private static final long serialVersionUID = 1L;

    public IdOutput() {
        // For JSON.
    }

    /** Softmax over {@code symbols} outputs from {@code hidden} inputs, dropping inputs with {@code dropout} (0: none). */
    static IdOutput of(int hidden, int symbols, double dropout) {
        return takingIds(new IdOutput(), hidden, symbols, dropout);
    }

    /** {@code out} set up as an output of {@code symbols} from {@code hidden} inputs taking target ids. */
    static <T extends RnnOutputLayer> T takingIds(T out, int hidden, int symbols, double dropout) {
        out.setNIn(hidden);
        out.setNOut(symbols);
        out.setLossFn(new IdCrossEntropy());
        out.setActivationFn(new ActivationSoftmax());
        out.setRnnDataFormat(RNNFormat.NCW);
        out.setHasBias(true);
        if (dropout > 0) {
            // DL4J's Dropout takes the probability of keeping an input.
            out.setIDropout(new Dropout(1.0 - dropout));
        }
        return out;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("IdOutput", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new Impl(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    /**
     * [batch, features, time] copied into [time x batch, features] rows, as the LSTM kernel copies its input: for
     * the fused LSTM's time-major output a straight copy.
     */
    static INDArray timeMajorRows(INDArray x, LayerWorkspaceMgr workspaceMgr) {
        long batch = x.size(0);
        long features = x.size(1);
        long time = x.size(2);
        INDArray rows = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(),
                new long[]{time, batch, features}, 'c');
        rows.assign(x.permute(2, 0, 1));
        return rows.reshape('c', time * batch, features);
    }

    /**
     * The target ids of labels ([batch, 1, time]) in the row order of {@link #timeMajorRows} of {@code input}
     * ([batch, features, time]), checked against its shape and the {@code symbols} of the layer.
     */
    static int[] timeMajorTargets(INDArray labels, INDArray input, long symbols) {
        long batch = input.size(0);
        long time = input.size(2);
        if (labels == null || labels.rank() != 3 || labels.size(0) != batch || labels.size(2) != time) {
            throw new IllegalArgumentException("labels " + (labels == null ? null : Arrays.toString(labels.shape()))
                    + " do not match the output layer's input " + Arrays.toString(input.shape()));
        }
        int rows = Math.toIntExact(batch * time);
        return IdCrossEntropy.targets(labels.permute(2, 0, 1).dup('c').reshape(rows, 1), rows, symbols);
    }

    /** The layer: its training score is the loss of its gradient pass. */
    static final class Impl extends BackpropScoredOutput {
        private transient SoftmaxCrossEntropy softmax;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (SoftmaxCrossEntropy.FUSED && dataType == DataType.FLOAT && input != null && input.rank() == 3
                    && labels != null && labels.rank() == 3 && maskArray == null) {
                return fusedBackprop(workspaceMgr);
            }
            IdCrossEntropy loss = (IdCrossEntropy) layerConf().getLossFn();
            loss.takeGradientLoss();
            Pair<Gradient, INDArray> result = super.backpropGradient(epsilon, workspaceMgr);
            lossOfBackprop = loss.takeGradientLoss();
            return result;
        }

        /** Whether a training pass went through {@link SoftmaxCrossEntropy} (for tests). */
        boolean trainedFused() {
            return softmax != null;
        }

        /** {@link SoftmaxCrossEntropy}'s pass, on time-major rows (as the fused LSTM writes its output). */
        private Pair<Gradient, INDArray> fusedBackprop(LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            applyDropOutIfNecessary(true, workspaceMgr);
            long batch = input.size(0);
            long features = input.size(1);
            long time = input.size(2);
            int rows = Math.toIntExact(batch * time);
            int[] targets = timeMajorTargets(labels, input, layerConf().getNOut());
            INDArray x = timeMajorRows(input, workspaceMgr);
            INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                    new long[]{time, batch, features}, 'c');
            INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            INDArray biasGradient = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            if (softmax == null) {
                softmax = new SoftmaxCrossEntropy((int) layerConf().getNOut());
            }
            lossOfBackprop = softmax.backward(x, targets,
                    getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, true, workspaceMgr),
                    getParamWithNoise(DefaultParamInitializer.BIAS_KEY, true, workspaceMgr), weightGradient,
                    biasGradient, epsilon.reshape('c', rows, features));
            Gradient gradient = new DefaultGradient();
            gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradient);
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(epsilon.permute(1, 2, 0)));
        }

        @Override
        protected double scoreWithoutBackprop(double fullNetRegTerm, boolean training,
                                              LayerWorkspaceMgr workspaceMgr) {
            return dl4jScore(fullNetRegTerm, training, workspaceMgr);
        }
    }
}
