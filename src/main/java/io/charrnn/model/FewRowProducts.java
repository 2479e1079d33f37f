package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code c += a b} for a few rows of {@code a}, on the heap with the vector API: the LSTM's per-step recurrent
 * products when a worker's minibatch is small. OpenBLAS packs the whole of {@code b} (the recurrent weights, 256 KB
 * at 128 units) on every call, which a product of 4 rows cannot repay: per-step products ran at 20 GFLOP/s for 4
 * rows against 69 for 32 (`bench --products`), and a worker of 4 windows at 0.4x the per-window speed of one of 32.
 * Here the caller packs {@code b} once per segment ({@link #pack}) into panels of {@link #COLUMN_BLOCK} columns,
 * each panel's rows one after another, and a call streams each panel once, from its first row to its last, for
 * every row of {@code a}. Unpacked, a panel's rows lay a whole row of {@code b} apart: at 512 units (4 MB of
 * weights, beyond a core's L2) each of their cache lines was a wait, and a worker of 4 windows read 763 chars/s
 * against 1,172 packed; {@code eval}, whose rows are few, took 70 s against 34 on 111,537 characters (AVX2 EPYC,
 * 2026-12-08, BENCHMARKS.md "Small minibatches").
 *
 * <p>Every output element is its start value plus the products in order of {@code k}, each a fused multiply-add:
 * the same bits compiled or interpreted, in every run, and whatever the order the rows and panels are taken in.
 */
final class FewRowProducts {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Output columns are taken two vectors at a time: the width of a panel. */
    static final int COLUMN_BLOCK = 2 * S.length();

    private FewRowProducts() {
    }

    /** Whether products with this many output columns can run here. */
    static boolean fits(int columns) {
        return columns % COLUMN_BLOCK == 0;
    }

    /**
     * Packs {@code b}, row-major inner x cols, into {@code packed} (inner x cols floats) for
     * {@link #addProduct}: panel p holds columns [p B, p B + B) of every row, row after row (B = {@link
     * #COLUMN_BLOCK}).
     */
    static void pack(float[] b, int inner, int cols, float[] packed) {
        for (int j = 0; j < cols; j += COLUMN_BLOCK) {
            int panel = j * inner;
            for (int k = 0; k < inner; k++) {
                System.arraycopy(b, k * cols + j, packed, panel + k * COLUMN_BLOCK, COLUMN_BLOCK);
            }
        }
    }

    /**
     * Packs the transpose of {@code b} (row-major rows x cols) for {@link #addProduct}, as
     * {@link #pack} packs a cols x rows matrix: the products with the transpose then stream too.
     */
    static void packTransposed(float[] b, int rows, int cols, float[] packed) {
        for (int j = 0; j < rows; j += COLUMN_BLOCK) {
            int panel = j * cols;
            for (int k = 0; k < cols; k++) {
                int to = panel + k * COLUMN_BLOCK;
                for (int jj = 0; jj < COLUMN_BLOCK; jj++) {
                    packed[to + jj] = b[(j + jj) * cols + k];
                }
            }
        }
    }

    /**
     * {@code c[i][j] += sum over k of a[i][k] b[k][j]} for i below {@code rows}: {@code a} rows x inner from
     * {@code aOffset} and {@code c} rows x cols from {@code cOffset}, row-major and dense; {@code b} inner x cols,
     * as {@link #pack} left it. Panel by panel, so that a panel (inner x {@link #COLUMN_BLOCK} floats) is read from
     * memory once and from cache for the rows after the first four. Rows are taken four at a time, for the eight
     * independent sums that keep the multiply-adds busy; two or three left over are taken as four with the last
     * one repeated (it is computed twice, the same bits, and stored twice), one alone with its two sums.
     */
    static void addProduct(float[] a, int aOffset, int rows, int inner, float[] packedB, int cols, float[] c,
                           int cOffset) {
        for (int j = 0; j < cols; j += COLUMN_BLOCK) {
            int panel = j * inner;
            for (int i = 0; i < rows; i += 4) {
                int left = rows - i;
                if (left == 1) {
                    oneRow(a, aOffset + i * inner, inner, packedB, panel, c, cOffset + i * cols + j);
                    break;
                }
                int r1 = i + 1;
                int r2 = Math.min(i + 2, rows - 1);
                int r3 = Math.min(i + 3, rows - 1);
                fourRows(a, aOffset + i * inner, aOffset + r1 * inner, aOffset + r2 * inner, aOffset + r3 * inner,
                        inner, packedB, panel, c, cOffset + i * cols + j, cOffset + r1 * cols + j,
                        cOffset + r2 * cols + j, cOffset + r3 * cols + j);
            }
        }
    }

    /**
     * Rows a0..a3 of {@code a} times one panel into c0..c3: every c is read before any is written, so a row given
     * twice is stored twice with the same value.
     */
    private static void fourRows(float[] a, int a0, int a1, int a2, int a3, int inner, float[] b, int panel,
                                 float[] c, int c0, int c1, int c2, int c3) {
        int lanes = S.length();
        FloatVector s00 = FloatVector.fromArray(S, c, c0);
        FloatVector s01 = FloatVector.fromArray(S, c, c0 + lanes);
        FloatVector s10 = FloatVector.fromArray(S, c, c1);
        FloatVector s11 = FloatVector.fromArray(S, c, c1 + lanes);
        FloatVector s20 = FloatVector.fromArray(S, c, c2);
        FloatVector s21 = FloatVector.fromArray(S, c, c2 + lanes);
        FloatVector s30 = FloatVector.fromArray(S, c, c3);
        FloatVector s31 = FloatVector.fromArray(S, c, c3 + lanes);
        for (int k = 0; k < inner; k++) {
            int bk = panel + k * COLUMN_BLOCK;
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
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + lanes);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + lanes);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + lanes);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + lanes);
    }

    private static void oneRow(float[] a, int a0, int inner, float[] b, int panel, float[] c, int c0) {
        int lanes = S.length();
        FloatVector s0 = FloatVector.fromArray(S, c, c0);
        FloatVector s1 = FloatVector.fromArray(S, c, c0 + lanes);
        for (int k = 0; k < inner; k++) {
            int bk = panel + k * COLUMN_BLOCK;
            FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
            s0 = FloatVector.fromArray(S, b, bk).fma(x, s0);
            s1 = FloatVector.fromArray(S, b, bk + lanes).fma(x, s1);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + lanes);
    }
}
