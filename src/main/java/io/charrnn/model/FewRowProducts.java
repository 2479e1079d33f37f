package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code c += a b} for a few rows of {@code a}, on the heap with the vector API: the LSTM's per-step recurrent
 * products when a worker's minibatch is small. OpenBLAS packs the whole of {@code b} (the recurrent weights, 256 KB
 * at 128 units) on every call, which a product of 4 rows cannot repay: per-step products ran at 20 GFLOP/s for 4
 * rows against 69 for 32 (`bench --products`), and a worker of 4 windows at 0.4x the per-window speed of one of 32.
 * Here {@code b} is packed once per segment by the caller and streamed from cache once per call for up to four
 * rows at a time.
 *
 * <p>Every output element is its start value plus the products in order of {@code k}, each a fused multiply-add:
 * the same bits compiled or interpreted, in every run.
 */
final class FewRowProducts {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Output columns are taken two vectors at a time. */
    static final int COLUMN_BLOCK = 2 * S.length();

    private FewRowProducts() {
    }

    /** Whether products with this many output columns can run here. */
    static boolean fits(int columns) {
        return columns % COLUMN_BLOCK == 0;
    }

    /**
     * {@code c[i][j] += sum over k of a[i][k] b[k][j]} for i below {@code rows}: {@code a} rows x inner from
     * {@code aOffset}, {@code b} inner x cols, {@code c} rows x cols from {@code cOffset}, all row-major and dense.
     */
    static void addProduct(float[] a, int aOffset, int rows, int inner, float[] b, int cols, float[] c,
                           int cOffset) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            fourRows(a, aOffset + i * inner, inner, b, cols, c, cOffset + i * cols);
        }
        for (; i < rows; i++) {
            oneRow(a, aOffset + i * inner, inner, b, cols, c, cOffset + i * cols);
        }
    }

    private static void fourRows(float[] a, int a0, int inner, float[] b, int cols, float[] c, int c0) {
        int lanes = S.length();
        int a1 = a0 + inner;
        int a2 = a1 + inner;
        int a3 = a2 + inner;
        int c1 = c0 + cols;
        int c2 = c1 + cols;
        int c3 = c2 + cols;
        for (int j = 0; j < cols; j += 2 * lanes) {
            FloatVector s00 = FloatVector.fromArray(S, c, c0 + j);
            FloatVector s01 = FloatVector.fromArray(S, c, c0 + j + lanes);
            FloatVector s10 = FloatVector.fromArray(S, c, c1 + j);
            FloatVector s11 = FloatVector.fromArray(S, c, c1 + j + lanes);
            FloatVector s20 = FloatVector.fromArray(S, c, c2 + j);
            FloatVector s21 = FloatVector.fromArray(S, c, c2 + j + lanes);
            FloatVector s30 = FloatVector.fromArray(S, c, c3 + j);
            FloatVector s31 = FloatVector.fromArray(S, c, c3 + j + lanes);
            for (int k = 0, bk = j; k < inner; k++, bk += cols) {
                FloatVector b0 = FloatVector.fromArray(S, b, bk);
                FloatVector b1 = FloatVector.fromArray(S, b, bk + lanes);
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + k]);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + k]);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + k]);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + k]);
                s00 = b0.fma(x0, s00);
                s01 = b1.fma(x0, s01);
                s10 = b0.fma(x1, s10);
                s11 = b1.fma(x1, s11);
                s20 = b0.fma(x2, s20);
                s21 = b1.fma(x2, s21);
                s30 = b0.fma(x3, s30);
                s31 = b1.fma(x3, s31);
            }
            s00.intoArray(c, c0 + j);
            s01.intoArray(c, c0 + j + lanes);
            s10.intoArray(c, c1 + j);
            s11.intoArray(c, c1 + j + lanes);
            s20.intoArray(c, c2 + j);
            s21.intoArray(c, c2 + j + lanes);
            s30.intoArray(c, c3 + j);
            s31.intoArray(c, c3 + j + lanes);
        }
    }

    private static void oneRow(float[] a, int a0, int inner, float[] b, int cols, float[] c, int c0) {
        int lanes = S.length();
        for (int j = 0; j < cols; j += 2 * lanes) {
            FloatVector s0 = FloatVector.fromArray(S, c, c0 + j);
            FloatVector s1 = FloatVector.fromArray(S, c, c0 + j + lanes);
            for (int k = 0, bk = j; k < inner; k++, bk += cols) {
                FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
                s0 = FloatVector.fromArray(S, b, bk).fma(x, s0);
                s1 = FloatVector.fromArray(S, b, bk + lanes).fma(x, s1);
            }
            s0.intoArray(c, c0 + j);
            s1.intoArray(c, c0 + j + lanes);
        }
    }
}
