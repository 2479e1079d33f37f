package io.charrnn.training;

import io.charrnn.common.JobStopped;

import java.util.Locale;

/**
 * Whether a round's result is fit to keep. A non-finite loss or parameter, or a training loss above twice that of
 * a uniform guess over the vocabulary (an untrained network scores about one such guess), means the round diverged:
 * it must never become a checkpoint. The session then goes back to the state before the round and retries it at
 * half the learning rate, at most {@value #RETRIES} times.
 */
public final class Divergence {
    public static final int RETRIES = 3;

    private Divergence() {
    }

    /** Null when the round is fine; else what is wrong with it. */
    public static String of(double trainLoss, float[] params, int vocabularySize) {
        if (!Double.isFinite(trainLoss)) {
            return "training loss " + trainLoss;
        }
        double limit = Math.max(2, 2 * Math.log(vocabularySize));
        if (trainLoss > limit) {
            return String.format(Locale.ROOT, "training loss %.2f nats/char, above twice a uniform guess (%.2f)",
                    trainLoss, limit);
        }
        for (float p : params) {
            if (!Float.isFinite(p)) {
                return "non-finite parameters";
            }
        }
        return null;
    }

    /** Training diverged in every retry of a round: the run stays at its last good checkpoint. */
    public static final class Stopped extends JobStopped {
        private static final long serialVersionUID = 1L;

        public Stopped(String message) {
            super(message);
        }
    }
}
