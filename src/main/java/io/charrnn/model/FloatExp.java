package io.charrnn.model;

/**
 * exp(x) for floats within about 1 ulp (Cephes' expf): x = n ln 2 + r with |r| <= ln 2 / 2, a degree-7 polynomial for
 * exp(r), and 2^n put into the exponent bits. Inputs are clamped to where the result is a normal float. Built from
 * basic IEEE operations and {@link Math#fma} only, which round alike interpreted and compiled, so a resumed job (a
 * fresh, cold JVM) computes the same bits as an uninterrupted one; {@code Math.exp} may differ between the two in the
 * last bit. {@link VectorLstmKernel#exp} is the same computation lane by lane, with these constants (the vector
 * softmax uses it too).
 */
final class FloatExp {
    static final float LOWEST = -87.3f;
    static final float HIGHEST = 88.3f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, to nearest. */
    static final float ROUNDER = 12582912f;
    static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** The polynomial's coefficients, highest degree first. */
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    private FloatExp() {
    }

    static float exp(float x) {
        float v = Math.min(HIGHEST, Math.max(LOWEST, x));
        float rounded = Math.fma(v, LOG2E, ROUNDER);
        float n = rounded - ROUNDER;
        float r = Math.fma(n, -LN2_HI, v);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float er = p * (r * r) + r + 1f;
        // 2^n from the low mantissa bits of n + 1.5 * 2^23, which hold n.
        return er * Float.intBitsToFloat((Float.floatToRawIntBits(rounded) - (ROUNDER_BITS - 127)) << 23);
    }

    /** {@code VectorLstmKernel.sigmoid} for one value, to its bits. */
    static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }

    /** {@code VectorLstmKernel.tanh} for one value, to its bits. */
    static float tanh(float x) {
        float a = Math.abs(x);
        float e = exp(a * -2f);
        float far = (1f - e) / (1f + e);
        if (x < 0f) {
            far = -far;
        }
        float x2 = x * x;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(-1382f / 155925f, x2, 62f / 2835f), x2, -17f / 315f), x2,
                2f / 15f), x2, -1f / 3f);
        float near = Math.fma(x * x2, p, x);
        return a < 0.3f ? near : far;
    }
}
