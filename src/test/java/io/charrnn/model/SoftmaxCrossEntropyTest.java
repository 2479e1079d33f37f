package io.charrnn.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fused softmax cross-entropy pass against the same quantities computed plainly in double. */
class SoftmaxCrossEntropyTest {
    private static final int ROWS = 70;
    private static final int IN = 9;
    private static final int SYMBOLS = 37;

    /** Inputs, weights (column-major, as DL4J's views), bias and targets of one case. */
    private record Case(INDArray x, INDArray w, INDArray b, int[] targets) {
        static Case random(long seed) {
            Random random = new Random(seed);
            INDArray x = Nd4j.create(DataType.FLOAT, new long[]{ROWS, IN}, 'c');
            INDArray w = Nd4j.create(DataType.FLOAT, new long[]{IN, SYMBOLS}, 'f');
            INDArray b = Nd4j.create(DataType.FLOAT, new long[]{1, SYMBOLS}, 'c');
            fill(x, random, 1.0);
            fill(w, random, 0.8);
            fill(b, random, 0.5);
            int[] targets = new int[ROWS];
            for (int i = 0; i < ROWS; i++) {
                targets[i] = random.nextInt(SYMBOLS);
            }
            return new Case(x, w, b, targets);
        }

        private static void fill(INDArray a, Random random, double scale) {
            for (int i = 0; i < a.size(0); i++) {
                for (int j = 0; j < a.size(1); j++) {
                    a.putScalar(i, j, scale * random.nextGaussian());
                }
            }
        }
    }

    /** Loss and gradients from the definitions, in double: [loss], dW, db, dX. */
    private static double[][][] reference(Case c) {
        double loss = 0;
        double[][] dw = new double[IN][SYMBOLS];
        double[][] db = new double[1][SYMBOLS];
        double[][] dx = new double[ROWS][IN];
        for (int r = 0; r < ROWS; r++) {
            double[] z = new double[SYMBOLS];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < SYMBOLS; j++) {
                z[j] = c.b.getDouble(0, j);
                for (int k = 0; k < IN; k++) {
                    z[j] += c.x.getDouble(r, k) * c.w.getDouble(k, j);
                }
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (int j = 0; j < SYMBOLS; j++) {
                sum += Math.exp(z[j] - max);
            }
            loss += Math.log(sum) - (z[c.targets[r]] - max);
            for (int j = 0; j < SYMBOLS; j++) {
                double g = Math.exp(z[j] - max) / sum - (j == c.targets[r] ? 1 : 0);
                db[0][j] += g;
                for (int k = 0; k < IN; k++) {
                    dw[k][j] += c.x.getDouble(r, k) * g;
                    dx[r][k] += g * c.w.getDouble(k, j);
                }
            }
        }
        return new double[][][]{{{loss}}, dw, db, dx};
    }

    private static double[][][] fused(Case c, int blockFloats) {
        return fused(c, new SoftmaxCrossEntropy(SYMBOLS, blockFloats));
    }

    private static double[][][] fused(Case c, SoftmaxCrossEntropy kernel) {
        INDArray dw = Nd4j.create(DataType.FLOAT, new long[]{IN, SYMBOLS}, 'f');
        INDArray db = Nd4j.create(DataType.FLOAT, new long[]{1, SYMBOLS}, 'c');
        INDArray dx = Nd4j.create(DataType.FLOAT, new long[]{ROWS, IN}, 'c');
        // Stale values in the outputs must be overwritten, not added to.
        dw.assign(3);
        db.assign(3);
        dx.assign(3);
        double loss = kernel.backward(c.x, c.targets, c.w, c.b, dw, db, dx);
        return new double[][][]{{{loss}}, dw.toDoubleMatrix(), db.toDoubleMatrix(), dx.toDoubleMatrix()};
    }

    @Test
    void lossAndGradientsEqualTheDefinitionsInOneBlockAndInSeveral() {
        Case c = Case.random(1);
        double[][][] expected = reference(c);
        // One block; blocks of 40 rows with a partial last one; of 32 (the fewest); each twice, reusing its scratch.
        for (int blockFloats : new int[]{1 << 20, 40 * SYMBOLS, 1}) {
            SoftmaxCrossEntropy kernel = new SoftmaxCrossEntropy(SYMBOLS, blockFloats);
            fused(c, kernel);
            double[][][] actual = fused(c, kernel);
            String what = "block of " + blockFloats + " floats";
            assertEquals(expected[0][0][0], actual[0][0][0], 1e-5 * expected[0][0][0], "loss, " + what);
            for (int part = 1; part < expected.length; part++) {
                for (int i = 0; i < expected[part].length; i++) {
                    for (int j = 0; j < expected[part][i].length; j++) {
                        assertEquals(expected[part][i][j], actual[part][i][j], 2e-5 * (1 + Math.abs(expected[part][i][j])),
                                what + ", gradient " + part + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfItsOwnLoss() {
        Case c = Case.random(2);
        double[][][] analytic = fused(c, 32 * SYMBOLS);
        Random pick = new Random(3);
        INDArray[] arrays = {c.w, c.b, c.x};
        double h = 1e-2;
        for (int part = 0; part < arrays.length; part++) {
            INDArray a = arrays[part];
            for (int n = 0; n < 12; n++) {
                int i = pick.nextInt((int) a.size(0));
                int j = pick.nextInt((int) a.size(1));
                double v = a.getDouble(i, j);
                a.putScalar(i, j, v + h);
                double up = fused(c, 32 * SYMBOLS)[0][0][0];
                a.putScalar(i, j, v - h);
                double down = fused(c, 32 * SYMBOLS)[0][0][0];
                a.putScalar(i, j, v);
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, analytic[part + 1][i][j], 2e-3 * (1 + Math.abs(numeric)),
                        "d loss / d " + "WbX".charAt(part) + "[" + i + "," + j + "]");
            }
        }
    }
}
