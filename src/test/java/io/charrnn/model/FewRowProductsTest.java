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
        checkEveryRowCount(new Random(3), 19, 3 * FewRowProducts.COLUMN_BLOCK, false);
    }

    @Test
    void multipliesByTheTransposeWhenPackedTransposed() {
        // b is then cols x inner and the product takes its transpose (the backward pass's dz times R^T).
        checkEveryRowCount(new Random(4), 2 * FewRowProducts.COLUMN_BLOCK + 3, 2 * FewRowProducts.COLUMN_BLOCK, true);
    }

    @Test
    void givesARowTheSameBitsWhateverRowsItIsTakenWith() {
        Random random = new Random(5);
        int inner = 21;
        int cols = 2 * FewRowProducts.COLUMN_BLOCK;
        float[] packed = gaussian(random, inner * cols);
        int rows = 7; // four, then three taken as four with the last one twice
        float[] a = gaussian(random, rows * inner);
        float[] start = gaussian(random, rows * cols);
        float[] together = start.clone();
        FewRowProducts.addProduct(a, 0, rows, inner, packed, cols, together, 0);
        for (int i = 0; i < rows; i++) {
            float[] alone = start.clone();
            FewRowProducts.addProduct(a, i * inner, 1, inner, packed, cols, alone, i * cols);
            for (int j = 0; j < cols; j++) {
                assertEquals(Float.floatToIntBits(together[i * cols + j]), Float.floatToIntBits(alone[i * cols + j]),
                        "row " + i + ", column " + j);
            }
        }
    }

    @Test
    void takesOnlyWholePanels() {
        assertTrue(FewRowProducts.fits(4 * FewRowProducts.COLUMN_BLOCK));
        assertFalse(FewRowProducts.fits(FewRowProducts.COLUMN_BLOCK + 1));
    }

    /** The product with an inner x cols matrix, b itself or (transposed) the transpose of b, at every row count. */
    private static void checkEveryRowCount(Random random, int inner, int cols, boolean transposed) {
        float[] b = gaussian(random, inner * cols);
        float[] packed = new float[inner * cols];
        if (transposed) {
            FewRowProducts.packTransposed(b, cols, inner, packed);
        } else {
            FewRowProducts.pack(b, inner, cols, packed);
        }
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
                        float bkj = transposed ? b[j * inner + k] : b[k * cols + j];
                        expected += (double) a[aOffset + i * inner + k] * bkj;
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
