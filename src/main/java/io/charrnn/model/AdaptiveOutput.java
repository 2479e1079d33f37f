package io.charrnn.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * The output layer of an {@link AdaptiveSoftmax}, taking target ids as {@link IdOutput} does: training, scoring and
 * inference (the full distribution, for sampling) all go through {@link AdaptiveCrossEntropy}, in float or double.
 * Label masks are not taken (this project's minibatches have none). Stored in the network's JSON by class name and
 * fields, hence the public no-argument constructor and setters.
 */
public class AdaptiveOutput extends RnnOutputLayer {
    private static final long serialVersionUID = 1L;

    private int[] cutoffs;
    private int[] symbolsByFrequency;
    private int divisor;
    /** Made on first use (a transient field is not restored by deserialization); shared by clones. */
    private transient AdaptiveSoftmax.Cache plan;

    public AdaptiveOutput() {
        // For JSON.
    }

    static AdaptiveOutput of(int hidden, AdaptiveSoftmax plan, double dropout) {
        AdaptiveOutput out = IdOutput.takingIds(new AdaptiveOutput(), hidden, plan.symbols(), dropout);
        out.cutoffs = plan.cutoffs();
        out.symbolsByFrequency = plan.symbolsByFrequency();
        out.divisor = plan.divisor();
        return out;
    }

    public AdaptiveSoftmax plan() {
        if (plan == null) {
            plan = new AdaptiveSoftmax.Cache();
        }
        return plan.of(cutoffs, symbolsByFrequency, divisor);
    }

    public int[] getCutoffs() {
        return cutoffs;
    }

    public void setCutoffs(int[] cutoffs) {
        this.cutoffs = cutoffs;
    }

    public int[] getSymbolsByFrequency() {
        return symbolsByFrequency;
    }

    public void setSymbolsByFrequency(int[] symbolsByFrequency) {
        this.symbolsByFrequency = symbolsByFrequency;
    }

    public int getDivisor() {
        return divisor;
    }

    public void setDivisor(int divisor) {
        this.divisor = divisor;
    }

    @Override
    public ParamInitializer initializer() {
        return AdaptiveOutputParams.INSTANCE;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("AdaptiveOutput", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new Impl(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdaptiveOutput a && super.equals(o) && Arrays.equals(cutoffs, a.cutoffs)
                && Arrays.equals(symbolsByFrequency, a.symbolsByFrequency) && divisor == a.divisor;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), Arrays.hashCode(cutoffs), Arrays.hashCode(symbolsByFrequency), divisor);
    }

    /** The layer: its training score is the loss of its gradient pass. */
    static final class Impl extends BackpropScoredOutput {
        private transient AdaptiveCrossEntropy crossEntropy;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        AdaptiveCrossEntropy crossEntropy() {
            if (crossEntropy == null) {
                crossEntropy = new AdaptiveCrossEntropy(((AdaptiveOutput) conf().getLayer()).plan());
            }
            return crossEntropy;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            requireNoMask();
            applyDropOutIfNecessary(true, workspaceMgr);
            long batch = input.size(0);
            long features = input.size(1);
            long time = input.size(2);
            int rows = Math.toIntExact(batch * time);
            INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                    new long[]{time, batch, features}, 'c');
            lossOfBackprop = crossEntropy().pass(IdOutput.timeMajorRows(input, workspaceMgr), targets(), params,
                    gradientViews, eps.reshape('c', rows, features), null, IdCrossEntropy.MIN_LOSS,
                    IdCrossEntropy.MAX_LOSS);
            Gradient gradient = new DefaultGradient();
            for (String key : AdaptiveOutputParams.INSTANCE.paramKeys(conf().getLayer())) {
                gradient.gradientForVariable().put(key, gradientViews.get(key));
            }
            return new Pair<>(gradient, backpropDropOutIfPresent(eps.permute(1, 2, 0)));
        }

        /** The labels' ids in time-major row order. */
        private int[] targets() {
            return IdOutput.timeMajorTargets(labels, input, layerConf().getNOut());
        }

        private void requireNoMask() {
            if (maskArray != null) {
                throw new UnsupportedOperationException("the adaptive softmax output takes no label masks");
            }
        }

        /** Each row's loss (time-major rows of the input), for scores outside training. */
        private double[] rowLosses() {
            requireNoMask();
            int rows = Math.toIntExact(input.size(0) * input.size(2));
            double[] losses = new double[rows];
            crossEntropy().pass(IdOutput.timeMajorRows(input, LayerWorkspaceMgr.noWorkspaces()), targets(), params,
                    null, null, losses, IdCrossEntropy.MIN_LOSS, IdCrossEntropy.MAX_LOSS);
            return losses;
        }

        @Override
        protected double scoreWithoutBackprop(double fullNetRegTerm, boolean training,
                                              LayerWorkspaceMgr workspaceMgr) {
            return scoreOf(Arrays.stream(rowLosses()).sum(), fullNetRegTerm);
        }

        @Override
        public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
            double[] losses = rowLosses();
            int batch = (int) input.size(0);
            double[] perExample = new double[batch];
            for (int r = 0; r < losses.length; r++) {
                perExample[r % batch] += losses[r];
            }
            INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, dataType, new long[]{batch, 1}, 'c');
            for (int b = 0; b < batch; b++) {
                out.putScalar(b, 0, perExample[b] + fullNetRegTerm);
            }
            return out;
        }

        /** The distribution over every symbol: [batch, symbols, time] for an input of [batch, hidden, time]. */
        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            applyDropOutIfNecessary(training, workspaceMgr);
            long symbols = layerConf().getNOut();
            if (input.rank() == 2) {
                INDArray p = crossEntropy().probabilities(input, params);
                INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, p.shape(), 'c');
                return out.assign(p);
            }
            long batch = input.size(0);
            long time = input.size(2);
            // Inference configures no working memory: the rows are an ordinary array.
            INDArray p = crossEntropy().probabilities(IdOutput.timeMajorRows(input,
                    LayerWorkspaceMgr.noWorkspaces()), params);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                    new long[]{batch, symbols, time}, 'c');
            return out.assign(p.reshape('c', time, batch, symbols).permute(1, 2, 0));
        }
    }
}
