package io.charrnn.training;

import java.io.Serializable;

/**
 * Where a run stands: enough to name a checkpoint and to continue from it.
 *
 * @param epoch          completed epochs
 * @param round          completed rounds of the current epoch's plan (the whole epoch's, or, after the batch changed
 *                       inside the epoch, of the plan that starts there)
 * @param roundsPerEpoch rounds in the current plan
 * @param totalRounds    rounds completed since the run began
 * @param charsTrained   characters trained on since the run began
 * @param trainSeconds   wall seconds spent in training rounds since the run began
 * @param trainLoss      training loss of the last round, nats/char
 * @param valLoss        validation loss at the last evaluation, nats/char (NaN before the first)
 * @param bestValLoss    lowest validation loss so far, nats/char
 * @param position       training windows of the current epoch already trained on, in epoch order
 * @param epochWindows   training windows in an epoch; 0 in checkpoints from before positions were recorded
 */
public record Progress(int epoch, int round, int roundsPerEpoch, long totalRounds, long charsTrained,
                       double trainSeconds, double trainLoss, double valLoss, double bestValLoss, long position,
                       long epochWindows)
        implements Serializable {

    public static Progress start(RoundPlan plan) {
        return new Progress(0, 0, plan.roundsPerEpoch(), 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, 0,
                plan.windows());
    }

    /** Epochs done as a fraction, e.g. 2.5 halfway through the third epoch. */
    public double epochFraction() {
        if (epochWindows > 0) {
            return epoch + (double) position / epochWindows;
        }
        return epoch + (double) round / roundsPerEpoch;
    }

    /** Epochs done as a fraction half way through the round {@link #round()} of {@code plan} is about to train. */
    public double epochFractionAtMiddleOf(RoundPlan plan) {
        if (epochWindows > 0) {
            return epoch + (position + (plan.endPosition(round) - position) / 2.0) / epochWindows;
        }
        return epoch + (round + 0.5) / roundsPerEpoch;
    }

    /** After round {@link #round()} of {@code plan}, in which {@code chars} characters were trained. */
    public Progress afterRound(RoundPlan plan, long chars, double seconds, double loss) {
        int nextRound = round + 1;
        int nextEpoch = epoch;
        long nextPosition = plan.endPosition(round);
        int rounds = plan.roundsPerEpoch();
        if (nextRound == rounds) {
            nextRound = 0;
            nextEpoch++;
            nextPosition = 0;
        }
        return new Progress(nextEpoch, nextRound, rounds, totalRounds + 1, charsTrained + chars,
                trainSeconds + seconds, loss, valLoss, bestValLoss, nextPosition, plan.windows());
    }

    /** The same place in the epoch, counted in the rounds of {@code plan} (which starts here, or at the epoch's). */
    public Progress under(RoundPlan plan) {
        return new Progress(epoch, plan.roundOf(Math.max(position, plan.start())), plan.roundsPerEpoch(), totalRounds,
                charsTrained, trainSeconds, trainLoss, valLoss, bestValLoss, position, plan.windows());
    }

    public Progress withValidation(double loss) {
        double best = Double.isNaN(bestValLoss) || loss < bestValLoss ? loss : bestValLoss;
        return new Progress(epoch, round, roundsPerEpoch, totalRounds, charsTrained, trainSeconds, trainLoss,
                loss, best, position, epochWindows);
    }

    public boolean isBest() {
        return !Double.isNaN(valLoss) && valLoss == bestValLoss;
    }
}
