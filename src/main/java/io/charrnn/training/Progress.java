package io.charrnn.training;

import java.io.Serializable;

/**
 * Where a run stands: enough to name a checkpoint and to continue from it.
 *
 * @param epoch          completed epochs
 * @param round          completed rounds of the current epoch
 * @param roundsPerEpoch rounds in one epoch
 * @param totalRounds    rounds completed since the run began
 * @param charsTrained   characters trained on since the run began
 * @param trainSeconds   wall seconds spent in training rounds since the run began
 * @param trainLoss      training loss of the last round, nats/char
 * @param valLoss        validation loss at the last evaluation, nats/char (NaN before the first)
 * @param bestValLoss    lowest validation loss so far, nats/char
 */
public record Progress(int epoch, int round, int roundsPerEpoch, long totalRounds, long charsTrained,
                       double trainSeconds, double trainLoss, double valLoss, double bestValLoss)
        implements Serializable {

    public static Progress start(int roundsPerEpoch) {
        return new Progress(0, 0, roundsPerEpoch, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Epochs done as a fraction, e.g. 2.5 halfway through the third epoch. */
    public double epochFraction() {
        return epoch + (double) round / roundsPerEpoch;
    }

    public Progress afterRound(long chars, double seconds, double loss) {
        int nextRound = round + 1;
        int nextEpoch = epoch;
        if (nextRound == roundsPerEpoch) {
            nextRound = 0;
            nextEpoch++;
        }
        return new Progress(nextEpoch, nextRound, roundsPerEpoch, totalRounds + 1, charsTrained + chars,
                trainSeconds + seconds, loss, valLoss, bestValLoss);
    }

    public Progress withValidation(double loss) {
        double best = Double.isNaN(bestValLoss) || loss < bestValLoss ? loss : bestValLoss;
        return new Progress(epoch, round, roundsPerEpoch, totalRounds, charsTrained, trainSeconds, trainLoss,
                loss, best);
    }

    public boolean isBest() {
        return !Double.isNaN(valLoss) && valLoss == bestValLoss;
    }
}
