package io.charrnn.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The few-row product of packed weights against a plain triple loop in doubles, for every row count from 1 to 9 and
 * offsets, with {@code b} packed as it is and packed transposed.
 */
class FewRowProductsTest {
    @Test
    void addsTheProductToWhatIsThereForAnyNumberOfRows() {
        Random random = new Random(3);
        int inner = 19;
        int cols = 3 * FewRowProducts.COLUMN_BLOCK;
        int bOffset = 2;
        float[] b = gaussian(random, bOffset + inner * cols);
        float[] packed = new float[inner * cols];
        FewRowProducts.pack(b, bOffset, inner, cols, packed);
        checkEveryRowCount(random, inner, cols, packed, (k, j) -> b[bOffset + k * cols + j]);
    }

    @Test
    void multipliesByTheTransposeWhenPackedTransposed() {
        Random random = new Random(4);
        // b is cols x inner: the product takes its transpose, inner x cols (the backward pass's dz times R^T).
        int inner = 2 * FewRowProducts.COLUMN_BLOCK + 3;
        int cols = 2 * FewRowProducts.COLUMN_BLOCK;
        int bOffset = 5;
        float[] b = gaussian(random, bOffset + cols * inner);
        float[] packed = new float[inner * cols];
        FewRowProducts.packTransposed(b, bOffset, cols, inner, packed);
        checkEveryRowCount(random, inner, cols, packed, (k, j) -> b[bOffset + j * inner + k]);
    }

    @Test
    void takesOnlyWholePanels() {
        assertTrue(FewRowProducts.fits(4 * FewRowProducts.COLUMN_BLOCK));
        assertFalse(FewRowProducts.fits(FewRowProducts.COLUMN_BLOCK + 1));
    }

    private interface Matrix {
        float at(int row, int col);
    }

    private static void checkEveryRowCount(Random random, int inner, int cols, float[] packed, Matrix b) {
        for (int rows = 1; rows <= 9; rows++) {
            int aOffset = 5;
            int cOffset = 7;
            float[] a = gaussian(random, aOffset + rows * inner);
            float[] c = gaussian(random, cOffset + rows * cols + 3);
            float[] before = c.clone();
            FewRowProducts.addProduct(a, aOffset, rows, inner, packed, cols, c, cOffset);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double expected = before[cOffset + i * cols + j];
                    for (int k = 0; k < inner; k++) {
                        expected += (double) a[aOffset + i * inner + k] * b.at(k, j);
                    }
                    assertEquals(expected, c[cOffset + i * cols + j], 1e-4, rows + " rows, at " + i + "," + j);
                }
            }
            for (int i = 0; i < cOffset; i++) {
                assertEquals(before[i], c[i], "before the rows: untouched");
            }
            for (int i = cOffset + rows * cols; i < c.length; i++) {
                assertEquals(before[i], c[i], "after the rows: untouched");
            }
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
