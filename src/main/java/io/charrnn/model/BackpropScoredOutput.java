package io.charrnn.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An output layer whose training score is the loss its own gradient pass computed: DL4J asks for the score right
 * after backprop and its layers compute the output products and the softmax once more for it, which at thousands
 * of symbols is a third of the output layer's work. A subclass's backprop sets {@link #lossOfBackprop}; a new input
 * or new labels clear it.
 */
abstract class BackpropScoredOutput extends RnnOutputLayer {
    /** The summed loss of the last gradient pass, for the next training score only; NaN when there is none. */
    protected double lossOfBackprop = Double.NaN;

    BackpropScoredOutput(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The score of the current input and labels where no gradient pass gave their loss (inference, doubles). */
    protected abstract double scoreWithoutBackprop(double fullNetRegTerm, boolean training,
                                                   LayerWorkspaceMgr workspaceMgr);

    /** DL4J's own score of the current input and labels. */
    protected final double dl4jScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        return super.computeScore(fullNetRegTerm, training, workspaceMgr);
    }

    /** BaseOutputLayer's formula: the summed loss over the minibatch size, plus regularization. */
    protected final double scoreOf(double loss, double fullNetRegTerm) {
        double score = (conf().isMiniBatch() ? loss / getInputMiniBatchSize() : loss) + fullNetRegTerm;
        this.score = score;
        return score;
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        double loss = lossOfBackprop;
        lossOfBackprop = Double.NaN;
        if (!training || Double.isNaN(loss)) {
            return scoreWithoutBackprop(fullNetRegTerm, training, workspaceMgr);
        }
        return scoreOf(loss, fullNetRegTerm);
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
