package io.charrnn.training;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The noise-scale estimate against worker changes drawn with a known true gradient G and per-window covariance
 * sigma^2 I: a worker of b windows changes by G plus noise of variance sigma^2 / b per coordinate, so the noise
 * scale is tr(S) / |G|^2 = d sigma^2 / |G|^2 windows.
 */
class NoiseScaleTest {
    private static final int D = 400;

    /** Feeds {@code rounds} rounds of {@code workers} workers of {@code batch} windows; returns the estimate. */
    private static NoiseScale estimate(double gradient, double sigma, int workers, int batch, int rounds, long seed) {
        Random random = new Random(seed);
        double[] g = new double[D];
        for (int i = 0; i < D; i++) {
            g[i] = gradient * (random.nextBoolean() ? 1 : -1);
        }
        NoiseScale noise = NoiseScale.NONE;
        for (int r = 0; r < rounds; r++) {
            double[] mean = new double[D];
            double sumOfSquares = 0;
            for (int k = 0; k < workers; k++) {
                double square = 0;
                for (int i = 0; i < D; i++) {
                    double change = g[i] + random.nextGaussian() * sigma / Math.sqrt(batch);
                    square += change * change;
                    mean[i] += change / workers;
                }
                sumOfSquares += square;
            }
            double meanSquare = 0;
            for (double m : mean) {
                meanSquare += m * m;
            }
            noise = noise.after(workers, batch, sumOfSquares, meanSquare);
        }
        return noise;
    }

    @Test
    void theEstimateFindsTheTrueNoiseScaleForAnyBatchAndWorkers() {
        // |G|^2 = D * 0.01^2 = 0.04, tr(S) = D * 0.2^2 = 16: a noise scale of 400 windows.
        for (int[] wb : new int[][]{{2, 32}, {8, 4}, {8, 32}, {16, 64}}) {
            NoiseScale n = estimate(0.01, 0.2, wb[0], wb[1], 400, wb[0] * 31L + wb[1]);
            assertEquals(400, n.windows(), 400 * 0.2, wb[0] + " workers x " + wb[1] + ": " + n);
        }
        // Ten times less noise, ten times smaller scale.
        NoiseScale quieter = estimate(0.01, 0.2 / Math.sqrt(10), 8, 8, 400, 5);
        assertEquals(40, quieter.windows(), 40 * 0.2, quieter.toString());
    }

    @Test
    void oneWorkerSaysNothingAndThereIsNoFigureBeforeARound() {
        assertTrue(Double.isNaN(NoiseScale.NONE.windows()));
        assertSame(NoiseScale.NONE, NoiseScale.NONE.after(1, 32, 5, 5), "one worker: no second batch size");
        assertSame(NoiseScale.NONE, NoiseScale.NONE.after(4, 32, Double.NaN, 5), "a worker that did not say");
        NoiseScale one = NoiseScale.NONE.after(2, 4, 2.0, 1.0);
        assertEquals(1, one.rounds());
        // s = 1, m = 1: no spread between the workers, no noise.
        assertEquals(0, one.windows(), 1e-12);
    }

    @Test
    void workersThatAgreeLessShowMoreNoise() {
        double calm = estimate(0.01, 0.05, 4, 8, 300, 1).windows();
        double noisy = estimate(0.01, 0.5, 4, 8, 300, 1).windows();
        // A hundred times the variance; far above the batch, |G|^2 is hard to see through the noise and the figure
        // lags (McCandlish et al.: the estimate is noisy), but it still rises many times over.
        assertEquals(25, calm, 25 * 0.2);
        assertTrue(noisy > 20 * calm, calm + " vs " + noisy);
    }
}
