package io.charrnn.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Direct OpenBLAS products agree with ND4J's for every layout the LSTM kernel hands them. */
class BlasTest {
    @Test
    void agreesWithNd4jOnViewsOfEveryLayout() {
        Nd4j.getRandom().setSeed(7);
        int checked = 0;
        for (char orderA : new char[]{'c', 'f'}) {
            for (char orderB : new char[]{'c', 'f'}) {
                for (char orderC : new char[]{'c', 'f'}) {
                    for (boolean ta : new boolean[]{false, true}) {
                        for (boolean tb : new boolean[]{false, true}) {
                            for (double beta : new double[]{0.0, 1.0}) {
                                check(orderA, orderB, orderC, ta, tb, beta);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked == 64);
    }

    @Test
    void weightGradientsThroughRowMajorScratchLandInDl4jsColumnMajorViews() {
        Nd4j.getRandom().setSeed(8);
        // As DL4J lays out a gradient: an f-order [6, 20] view inside one flat vector, after another parameter.
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 10 + 6 * 20 + 4);
        INDArray c = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(10, 10 + 6 * 20)).reshape('f', 6, 20);
        INDArray a = Nd4j.rand(DataType.FLOAT, 33, 6);
        INDArray b = Nd4j.rand(DataType.FLOAT, 'c', 40, 20).get(NDArrayIndex.interval(7, 40), NDArrayIndex.all());
        INDArray expected = Nd4j.create(DataType.FLOAT, 6, 20);
        Nd4j.gemm(a, b, expected, true, false, 1.0, 0.0);
        INDArray before = flat.dup();
        Blas.gemmViaRowMajor(a, b, c, true, false, Nd4j.create(DataType.FLOAT, 6, 20));
        assertTrue(c.sub(expected).amaxNumber().doubleValue() < 1e-5, "the product, transposed into the view");
        assertTrue(flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 10))
                .equals(before.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 10))), "nothing before the view");
        assertTrue(flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(130, 134))
                .equals(before.get(NDArrayIndex.point(0), NDArrayIndex.interval(130, 134))), "nothing after it");
    }

    /** a [5, 7] (or its transpose) times b [7, 3], each a view at an offset into a larger array, as DL4J's params. */
    private static void check(char orderA, char orderB, char orderC, boolean ta, boolean tb, double beta) {
        INDArray a = view(ta ? 7 : 5, ta ? 5 : 7, orderA);
        INDArray b = view(tb ? 3 : 7, tb ? 7 : 3, orderB);
        INDArray c = view(5, 3, orderC);
        INDArray expected = c.dup();
        Nd4j.gemm(a, b, expected, ta, tb, 0.5, beta);
        assertTrue(Blas.takesDirectly(a, b, c));
        Blas.gemm(a, b, c, ta, tb, 0.5, beta);
        double diff = c.sub(expected).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5, "a " + orderA + (ta ? "T" : "") + " b " + orderB + (tb ? "T" : "") + " c " + orderC
                + " beta " + beta + ": off by " + diff);
    }

    /** A rows x cols view starting past the first row and column of a bigger array of the given order. */
    private static INDArray view(int rows, int cols, char order) {
        INDArray base = Nd4j.rand(DataType.FLOAT, order, rows + 3, cols + 2);
        return base.get(NDArrayIndex.interval(2, 2 + rows), NDArrayIndex.interval(1, 1 + cols));
    }
}
