package io.charrnn.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The few-row product against a plain triple loop in doubles, for every row count from 1 to 9 and offsets. */
class FewRowProductsTest {
    @Test
    void addsTheProductToWhatIsThereForAnyNumberOfRows() {
        Random random = new Random(3);
        int inner = 19;
        int cols = 3 * FewRowProducts.COLUMN_BLOCK;
        float[] b = new float[inner * cols];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        for (int rows = 1; rows <= 9; rows++) {
            int aOffset = 5;
            int cOffset = 7;
            float[] a = new float[aOffset + rows * inner];
            float[] c = new float[cOffset + rows * cols + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) random.nextGaussian();
            }
            float[] before = c.clone();
            FewRowProducts.addProduct(a, aOffset, rows, inner, b, cols, c, cOffset);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double expected = before[cOffset + i * cols + j];
                    for (int k = 0; k < inner; k++) {
                        expected += (double) a[aOffset + i * inner + k] * b[k * cols + j];
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
        assertTrue(FewRowProducts.fits(4 * FewRowProducts.COLUMN_BLOCK));
        assertFalse(FewRowProducts.fits(FewRowProducts.COLUMN_BLOCK + 1));
    }
}
