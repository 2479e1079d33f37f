package io.charrnn.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * The softmax output of a network that takes target ids ({@link IdCrossEntropy}): DL4J's RnnOutputLayer, but a
 * training step's score is the one its gradient pass computed. DL4J's own computes the output product and the
 * softmax once more for the score after backprop, which at 6,000 symbols is a third of the output layer's work.
 * Stored in the network's JSON by class name, hence the public no-argument constructor.
 */
public class IdOutput extends RnnOutputLayer {
    private static final long serialVersionUID = 1L;

    public IdOutput() {
        // For JSON.
    }

    /** Softmax over {@code symbols} outputs from {@code hidden} inputs, dropping inputs with {@code dropout} (0: none). */
    static IdOutput of(int hidden, int symbols, double dropout) {
        IdOutput out = new IdOutput();
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

    /** The layer: keeps the loss of its last gradient pass for the score that DL4J asks for right after it. */
    static final class Impl extends org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer {
        /** The summed loss of the last gradient pass, for the next training score only; NaN when there is none. */
        private double lossOfBackprop = Double.NaN;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            IdCrossEntropy loss = (IdCrossEntropy) layerConf().getLossFn();
            loss.takeGradientLoss();
            Pair<Gradient, INDArray> result = super.backpropGradient(epsilon, workspaceMgr);
            lossOfBackprop = loss.takeGradientLoss();
            return result;
        }

        @Override
        public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
            double loss = lossOfBackprop;
            lossOfBackprop = Double.NaN;
            if (!training || Double.isNaN(loss)) {
                return super.computeScore(fullNetRegTerm, training, workspaceMgr);
            }
            // BaseOutputLayer's formula: the summed loss over the minibatch size, plus regularization.
            double score = (conf().isMiniBatch() ? loss / getInputMiniBatchSize() : loss) + fullNetRegTerm;
            this.score = score;
            return score;
        }

        @Override
        public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
            lossOfBackprop = Double.NaN;
            super.setInput(input, workspaceMgr);
        }

        @Override
        public void setLabels(INDArray labels) {
            lossOfBackprop = Double.NaN;
            super.setLabels(labels);
        }
    }
}
