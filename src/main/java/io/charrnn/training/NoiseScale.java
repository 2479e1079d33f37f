package io.charrnn.training;

import java.io.Serializable;

/**
 * The gradient noise scale of McCandlish et al. 2018 ("An Empirical Model of Large-Batch Training", appendix A),
 * measured for nearly nothing from what a round already brings back. N workers of {@code b} windows each give two
 * estimates of the same quantity at two batch sizes: each worker's own change ({@code B_small = b}) and their mean
 * ({@code B_big = N b}). With {@code s = } the workers' mean squared change and {@code m = } the squared mean change,
 * <pre>
 *   |G|^2  ~ (B_big m - B_small s) / (B_big - B_small)
 *   tr(S)  ~ (s - m) / (1 / B_small - 1 / B_big)
 *   B_noise = tr(S) / |G|^2
 * </pre>
 * Both single-round estimates are noisy (|G|^2 is often negative), so each is smoothed by its own exponential
 * moving average and only their ratio is read, never an average of ratios. The round changes are sums of many Adam
 * steps, not gradients: scale factors such as the learning rate cancel in the ratio, but the figure is an estimate
 * to be checked against measured characters-to-loss, not a law. Its unit is windows per optimizer step.
 *
 * @param gradientSquare the smoothed estimate of |G|^2 (0 before the first round)
 * @param trace          the smoothed estimate of tr(S)
 * @param rounds         rounds that fed the averages, which weight the early ones (bias correction)
 */
public record NoiseScale(double gradientSquare, double trace, long rounds) implements Serializable {
    /** Weight of the past in the moving averages: about the last 1 / (1 - SMOOTHING) rounds count. */
    public static final double SMOOTHING = 0.95;

    public static final NoiseScale NONE = new NoiseScale(0, 0, 0);

    /**
     * This estimate after one more round of {@code workers} workers, each of {@code batch} windows per step, whose
     * changes had {@code sumOfSquares} summed over the workers and whose mean change had {@code meanSquare}.
     * A round of one worker says nothing about the noise and leaves the estimate as it was.
     */
    public NoiseScale after(int workers, int batch, double sumOfSquares, double meanSquare) {
        if (workers < 2 || batch < 1 || !Double.isFinite(sumOfSquares) || !Double.isFinite(meanSquare)) {
            return this;
        }
        double small = batch;
        double big = (double) workers * batch;
        double s = sumOfSquares / workers;
        double g2 = (big * meanSquare - small * s) / (big - small);
        double tr = (s - meanSquare) / (1 / small - 1 / big);
        return new NoiseScale(SMOOTHING * gradientSquare + (1 - SMOOTHING) * g2,
                SMOOTHING * trace + (1 - SMOOTHING) * tr, rounds + 1);
    }

    /** The squared length of the change from {@code from} to {@code to}, summed in doubles. */
    public static double squaredDistance(float[] to, float[] from) {
        double sum = 0;
        for (int i = 0; i < to.length; i++) {
            double d = (double) to[i] - from[i];
            sum += d * d;
        }
        return sum;
    }

    /**
     * The noise scale in windows per step, or NaN while there is none yet (no round of several workers, or a
     * gradient estimate that is not yet positive). The bias corrections of the two averages are equal and cancel.
     */
    public double windows() {
        if (rounds == 0 || !(gradientSquare > 0)) {
            return Double.NaN;
        }
        return Math.max(0, trace) / gradientSquare;
    }
}
