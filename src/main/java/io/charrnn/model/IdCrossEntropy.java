package io.charrnn.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Softmax cross-entropy with the target of each row given as a symbol id ([rows, 1]) instead of a one-hot row: the
 * same loss and gradient as DL4J's MCXENT with one-hot labels (softmax minus one at the target; the loss clipped
 * the same way), without a label tensor as large as the output. DL4J stores it in the network's JSON by class name,
 * hence the public no-argument constructor.
 */
public final class IdCrossEntropy implements ILossFunction {
    private static final long serialVersionUID = 1L;
    /** MCXENT's clipping of probabilities before the log, so one underflow cannot make a score infinite. */
    static final double CLIP = 1e-10;
    /** The loss of one target under {@link #CLIP}: it lies in [-log(1 - c), -log(c)]. */
    static final double MAX_LOSS = -Math.log(CLIP);
    static final double MIN_LOSS = -Math.log(1 - CLIP);

    /** See {@link #takeGradientLoss}; one network (one thread) uses a loss instance at a time. */
    private transient double gradientLoss = Double.NaN;

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        INDArray scores = computeScoreArray(labels, preOutput, activationFn, mask);
        double sum = scores.sumNumber().doubleValue();
        return average ? sum / scores.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray probabilities = activationFn.getActivation(preOutput.dup(), false);
        int[] targets = targets(labels, preOutput, mask);
        double[] scores = new double[targets.length];
        for (int i = 0; i < targets.length; i++) {
            double p = probabilities.getDouble(i, targets[i]);
            scores[i] = -Math.log(Math.min(1 - CLIP, Math.max(CLIP, p)));
        }
        return Nd4j.create(scores, new long[]{scores.length, 1}, preOutput.dataType());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (!(activationFn instanceof ActivationSoftmax)) {
            throw new IllegalStateException("IdCrossEntropy needs a softmax output layer, got " + activationFn);
        }
        int[] targets = targets(labels, preOutput, mask);
        // d(loss)/d(preOutput) of softmax + cross-entropy: p - onehot(target); the loss comes with it.
        INDArray gradient = activationFn.getActivation(preOutput.dup(), true);
        double loss = 0;
        for (int i = 0; i < targets.length; i++) {
            double p = gradient.getDouble(i, targets[i]);
            loss -= Math.log(Math.min(1 - CLIP, Math.max(CLIP, p)));
            gradient.putScalar(i, targets[i], p - 1);
        }
        gradientLoss = loss;
        return gradient;
    }

    /**
     * The summed loss of the last {@link #computeGradient} call, once (NaN before one or after taking it): what
     * {@link #computeScore} would compute again from the same output. For {@link IdOutput}.
     */
    double takeGradientLoss() {
        double loss = gradientLoss;
        gradientLoss = Double.NaN;
        return loss;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    private static int[] targets(INDArray labels, INDArray preOutput, INDArray mask) {
        if (mask != null) {
            throw new UnsupportedOperationException("IdCrossEntropy does not take masks; use equal-length batches");
        }
        return targets(labels, preOutput.size(0), preOutput.size(1));
    }

    /** The target ids of {@code labels} ([rows, 1]), each checked to be one of {@code classes}. */
    static int[] targets(INDArray labels, long rows, long classes) {
        if (labels.rank() != 2 || labels.size(1) != 1 || labels.size(0) != rows) {
            throw new IllegalArgumentException("IdCrossEntropy takes one target id per output row ([" + rows
                    + ", 1]), got " + java.util.Arrays.toString(labels.shape()));
        }
        float[] values = labels.dup('c').data().asFloat();
        int[] targets = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(v >= 0 && v < classes) || v != (int) v) {
                throw new IllegalArgumentException("target id " + v + " is not one of the " + classes + " outputs");
            }
            targets[i] = (int) v;
        }
        return targets;
    }

    @Override
    public String name() {
        return "IdCrossEntropy";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdCrossEntropy;
    }

    @Override
    public int hashCode() {
        return IdCrossEntropy.class.hashCode();
    }
}
