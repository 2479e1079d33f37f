package io.charrnn.model;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Widens symbol ids ([batch, 1, time] or [batch, 1]) to the one-hot rows DL4J's stock LSTM takes, inside the
 * network, so the data path carries ids for both LSTM implementations; the fused layer reads ids itself. Its
 * backprop hands the ids a zero gradient (ids have none, and nothing below the first layer reads it).
 */
public final class IdsToOneHot implements InputPreProcessor {
    private static final long serialVersionUID = 1L;

    private int vocabularySize;

    public IdsToOneHot() {
        // For JSON.
    }

    public IdsToOneHot(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    public int getVocabularySize() {
        return vocabularySize;
    }

    public void setVocabularySize(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        boolean oneStep = input.rank() == 2;
        long batch = input.size(0);
        long time = oneStep ? 1 : input.size(2);
        float[] ids = input.dup('c').data().asFloat();
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, input.dataType(),
                oneStep ? new long[]{batch, vocabularySize} : new long[]{batch, vocabularySize, time}, 'c');
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                float id = ids[(int) (b * time + t)];
                if (!(id >= 0 && id < vocabularySize) || id != (int) id) {
                    throw new IllegalArgumentException("symbol id " + id + " is not one of " + vocabularySize);
                }
                if (oneStep) {
                    out.putScalar(b, (int) id, 1.0);
                } else {
                    out.putScalar(b, (int) id, t, 1.0);
                }
            }
        }
        return out;
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        long[] shape = output.shape().clone();
        shape[1] = 1;
        return workspaceMgr.create(ArrayType.ACTIVATION_GRAD, output.dataType(), shape, 'c');
    }

    @Override
    public InputPreProcessor clone() {
        return new IdsToOneHot(vocabularySize);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return inputType instanceof InputType.InputTypeRecurrent r
                ? InputType.recurrent(vocabularySize, r.getTimeSeriesLength()) : InputType.feedForward(vocabularySize);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdsToOneHot other && other.vocabularySize == vocabularySize;
    }

    @Override
    public int hashCode() {
        return vocabularySize;
    }
}
