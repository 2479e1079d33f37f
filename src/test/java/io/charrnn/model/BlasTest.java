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
