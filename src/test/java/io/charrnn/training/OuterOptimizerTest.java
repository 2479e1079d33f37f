package io.charrnn.training;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

class OuterOptimizerTest {
    private static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    @Test
    void learningRateOneWithoutMomentumIsPlainAveragingBitForBit() {
        Random r = new Random(1);
        OuterOptimizer outer = new OuterOptimizer(1, 0, 0, null);
        float[] theta = random(r, 10_000, 1);
        for (long round = 0; round < 20; round++) {
            float[] mean = theta.clone();
            float[] noise = random(r, mean.length, 0.01f);
            for (int i = 0; i < mean.length; i++) {
                mean[i] += noise[i];
            }
            float[] next = outer.step(theta, mean, round);
            assertArrayEquals(bits(mean), bits(next), "round " + round);
            theta = next;
        }
    }

    @Test
    void nesterovStepMatchesItsDefinitionInDoubles() {
        Random r = new Random(2);
        double lr = 0.7;
        double mu = 0.9;
        OuterOptimizer outer = new OuterOptimizer(lr, mu, 0, null);
        int n = 1000;
        double[] v = new double[n];
        float[] theta = random(r, n, 1);
        for (long round = 0; round < 10; round++) {
            float[] mean = random(r, n, 1);
            float[] next = outer.step(theta, mean, round);
            for (int i = 0; i < n; i++) {
                double d = (double) theta[i] - mean[i];
                v[i] = mu * v[i] + d;
                double expected = theta[i] - lr * (d + mu * v[i]);
                assertEquals(expected, next[i], 1e-4 * (1 + Math.abs(expected)), "round " + round + " value " + i);
            }
            theta = next;
        }
    }

    @Test
    void warmupRoundsAverageAndLeaveTheVelocityAlone() {
        OuterOptimizer outer = new OuterOptimizer(0.5, 0.9, 3, null);
        float[] theta = {1, 2, 3};
        float[] mean = {0, 1, 2};
        for (int round = 0; round < 3; round++) {
            assertSame(mean, outer.step(theta, mean, round));
            assertNull(outer.velocity());
        }
        float[] after = outer.step(theta, mean, 3);
        // d = 1, v = 1: theta - 0.5 * (1 + 0.9) = theta - 0.95
        assertArrayEquals(new float[]{0.05f, 1.05f, 2.05f}, after, 1e-6f);
        assertArrayEquals(new float[]{1, 1, 1}, outer.velocity(), 0f);
    }

    @Test
    void defaultMomentumScalesTheStepWithTheWorkers() {
        assertEquals(0, OuterOptimizer.defaultMomentum(1));
        assertEquals(0.5, OuterOptimizer.defaultMomentum(2));
        assertEquals(0.875, OuterOptimizer.defaultMomentum(8));
        assertEquals(0.875, new Averaging(Averaging.Mode.OUTER, 1, null, 0).momentumFor(8));
        assertEquals(0.3, new Averaging(Averaging.Mode.OUTER, 1, 0.3, 0).momentumFor(8));
    }
}
