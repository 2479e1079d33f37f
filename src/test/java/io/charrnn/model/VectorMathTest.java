package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The vector kernel's own exp and tanh (basic IEEE arithmetic only, so every JIT tier gives the same bits). */
class VectorMathTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    private static float[] apply(java.util.function.UnaryOperator<FloatVector> f, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += LANES) {
            f.apply(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        }
        return out;
    }

    private static float[] inputs(double scale) {
        Random r = new Random(17);
        float[] x = new float[LANES * 20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 87f;
        x[3] = -87f;
        return x;
    }

    @Test
    void expIsWithinTwoUlpsOfTheTrueValue() {
        float[] x = inputs(87);
        float[] y = apply(VectorLstmKernel::exp, x);
        for (int i = 0; i < x.length; i++) {
            double exact = Math.exp(x[i]);
            assertEquals(exact, y[i], 2 * Math.ulp((float) exact), "exp(" + x[i] + ")");
        }
        float[] extreme = new float[LANES];
        java.util.Arrays.fill(extreme, 1000f);
        assertTrue(Float.isFinite(apply(VectorLstmKernel::exp, extreme)[0]), "large inputs saturate, never overflow");
        java.util.Arrays.fill(extreme, -1000f);
        float tiny = apply(VectorLstmKernel::exp, extreme)[0];
        assertTrue(tiny > 0 && tiny < 1e-37f, "very negative inputs give a tiny positive value: " + tiny);
    }

    @Test
    void theScalarExpGivesTheVectorExpsBits() {
        float[] x = inputs(87);
        float[] y = apply(VectorLstmKernel::exp, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(y[i]), Float.floatToRawIntBits(FloatExp.exp(x[i])),
                    "exp(" + x[i] + ")");
        }
        assertEquals(apply(VectorLstmKernel::exp, new float[LANES])[0], FloatExp.exp(0f));
        assertTrue(FloatExp.exp(1000f) < Float.POSITIVE_INFINITY && FloatExp.exp(-1000f) > 0);
    }

    /** The scalar gate functions take the vector kernel's tails (units past the last whole vector). */
    @Test
    void theScalarTanhAndSigmoidGiveTheVectorOnesBits() {
        float[] x = inputs(20);
        float[] tanh = apply(VectorLstmKernel::tanh, x);
        float[] sigmoid = apply(VectorLstmKernel::sigmoid, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(tanh[i]), Float.floatToRawIntBits(FloatExp.tanh(x[i])),
                    "tanh(" + x[i] + ")");
            assertEquals(Float.floatToRawIntBits(sigmoid[i]), Float.floatToRawIntBits(FloatExp.sigmoid(x[i])),
                    "sigmoid(" + x[i] + ")");
        }
    }

    @Test
    void theSoftmaxsExponentialsAreTheScalarExpsBits() {
        float[] x = inputs(40);
        // A row that is not a whole number of vectors and starts off a vector's boundary.
        int from = 3;
        int to = x.length - 5;
        float max = 7.5f;
        float[] row = x.clone();
        float sum = VectorSoftmax.exponentiate(row, from, to, max);
        double expected = 0;
        for (int j = 0; j < x.length; j++) {
            if (j < from || j >= to) {
                assertEquals(x[j], row[j], 0, "outside the row");
                continue;
            }
            float e = FloatExp.exp(x[j] - max);
            assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(row[j]), "exp(" + x[j] + " - max)");
            expected += e;
        }
        assertEquals(expected, sum, 1e-5 * expected);
    }

    @Test
    void tanhIsWithinAFewUlps() {
        for (double scale : new double[]{0.01, 1, 10, 100}) {
            float[] x = inputs(scale);
            float[] y = apply(VectorLstmKernel::tanh, x);
            for (int i = 0; i < x.length; i++) {
                double exact = Math.tanh(x[i]);
                assertEquals(exact, y[i], 4 * Math.ulp((float) exact), "tanh(" + x[i] + ")");
                if (x[i] != 0) {
                    assertEquals(Math.signum(x[i]), Math.signum(y[i]), "sign of tanh(" + x[i] + ")");
                }
            }
        }
    }
}
