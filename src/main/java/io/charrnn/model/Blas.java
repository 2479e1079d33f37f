package io.charrnn.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * c = alpha op(a) op(b) + beta c, for the LSTM kernel's products: float matrices go straight to OpenBLAS's
 * {@code cblas_sgemm} (the library ND4J itself calls, already on the classpath), on the arrays' own memory.
 * {@link Nd4j#gemm} took 175 us for a 32 x 128 by 128 x 512 product that OpenBLAS does in 110 us here: its op
 * dispatch costs more than the product at the per-step sizes. Doubles (gradient checks) and layouts OpenBLAS cannot
 * take (no unit stride) go through ND4J.
 */
final class Blas {
    /** Whether to call OpenBLAS directly: on unless {@code -Dcharrnn.blas.direct=false} (to compare). */
    static final boolean DIRECT = !"false".equals(System.getProperty("charrnn.blas.direct"));

    private Blas() {
    }

    /** The same arguments as {@link Nd4j#gemm(INDArray, INDArray, INDArray, boolean, boolean, double, double)}. */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                     double beta) {
        if (!takesDirectly(a, b, c)) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        gemm(Matrix.of(a), Matrix.of(b), Matrix.of(c), transA, transB, (float) alpha, (float) beta);
    }

    /**
     * c = alpha op(a) op(b) + beta c on float matrices in memory: for passes that keep their working rows in one
     * native scratch buffer, whose row ranges as ND4J views would each cost an array (and its native shape) a call.
     */
    static void gemm(Matrix a, Matrix b, Matrix c, boolean transA, boolean transB, float alpha, float beta) {
        // An operand stored in the other order than c is its own transpose in c's order.
        boolean ta = transA ^ (a.rowMajor != c.rowMajor);
        boolean tb = transB ^ (b.rowMajor != c.rowMajor);
        int k = transA ? a.rows : a.cols;
        if ((transA ? a.cols : a.rows) != c.rows || (transB ? b.rows : b.cols) != c.cols
                || (transB ? b.cols : b.rows) != k) {
            throw new IllegalArgumentException("gemm of " + a + (transA ? "^T" : "") + " and " + b
                    + (transB ? "^T" : "") + " into " + c);
        }
        openblas.cblas_sgemm(c.rowMajor ? openblas.CblasRowMajor : openblas.CblasColMajor,
                ta ? openblas.CblasTrans : openblas.CblasNoTrans, tb ? openblas.CblasTrans : openblas.CblasNoTrans,
                c.rows, c.cols, k, alpha, a.pointer(), a.leading, b.pointer(), b.leading, beta, c.pointer(),
                c.leading);
    }

    /**
     * A float matrix in memory: where its buffer starts, its first element's offset in floats, its shape, whether its
     * rows (or else its columns) are contiguous, and the stride between them.
     */
    record Matrix(FloatPointer base, long offset, int rows, int cols, boolean rowMajor, int leading) {
        /** A 2-D float array with unit stride one way (see {@link #takesDirectly}). */
        static Matrix of(INDArray x) {
            int layout = layout(x);
            if (x.dataType() != DataType.FLOAT || x.rank() != 2 || layout == 0) {
                throw new IllegalArgumentException("not a float matrix with unit stride: " + x.shapeInfoToString());
            }
            // A view's buffer address is already its own first element (unlike its NIO buffer).
            return new Matrix(new FloatPointer(x.data().addressPointer()), 0, (int) x.size(0), (int) x.size(1),
                    layout == ROW_MAJOR, Blas.leading(x, layout));
        }

        /** Dense rows [rows, cols] from {@code offset} floats into {@code base}. */
        static Matrix dense(FloatPointer base, long offset, int rows, int cols) {
            return new Matrix(base, offset, rows, cols, true, Math.max(1, cols));
        }

        /** Rows [from, to) of a row-major matrix. */
        Matrix rows(int from, int to) {
            if (!rowMajor || from < 0 || to > rows || from > to) {
                throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + this);
            }
            return new Matrix(base, offset + (long) from * leading, to - from, cols, true, leading);
        }

        private FloatPointer pointer() {
            return offset == 0 ? base : new FloatPointer(base).position(offset);
        }

        @Override
        public String toString() {
            return "[" + rows + ", " + cols + "] " + (rowMajor ? "row" : "column") + "-major, leading " + leading;
        }
    }

    /**
     * c = op(a) op(b) into a column-major c (DL4J's weight-gradient views): OpenBLAS's kernels for a column-major
     * result of two row-major operands ran at 31-38 GFLOP/s for the LSTM's weight gradients at 2 x 128, against
     * 43-50 into a row-major one, so the product goes into {@code scratch} (row-major, c's shape) and is transposed
     * into c on the heap.
     */
    static void gemmViaRowMajor(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB,
                                INDArray scratch) {
        if (!takesDirectly(a, b, c) || layout(c) != COLUMN_MAJOR || !denseRowMajor(scratch)
                || c.stride(1) != c.size(0)) {
            gemm(a, b, c, transA, transB, 1.0, 0.0);
            return;
        }
        gemm(a, b, scratch, transA, transB, 1.0, 0.0);
        int rows = (int) c.size(0);
        int cols = (int) c.size(1);
        float[][] heap = HEAP.get();
        if (heap[0].length < rows * cols) {
            heap[0] = new float[rows * cols];
            heap[1] = new float[rows * cols];
        }
        float[] product = heap[0];
        float[] transposed = heap[1];
        scratch.data().asNioFloat().get((int) scratch.offset(), product, 0, rows * cols);
        // In tiles, so that both sides stay in the L1 cache (element by element, one side strides by a whole row).
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            int i1 = Math.min(rows, i0 + TILE);
            for (int j0 = 0; j0 < cols; j0 += TILE) {
                int j1 = Math.min(cols, j0 + TILE);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        transposed[j * rows + i] = product[i * cols + j];
                    }
                }
            }
        }
        // A view's NIO buffer starts at its base buffer (unlike its address), hence the offset.
        c.data().asNioFloat().put((int) c.offset(), transposed, 0, rows * cols);
    }

    private static final int TILE = 16;
    /** Per thread (Spark runs a task per thread): the heap copies of {@link #gemmViaRowMajor}, grown as needed. */
    private static final ThreadLocal<float[][]> HEAP = ThreadLocal.withInitial(() -> new float[][]{
        new float[0], new float[0]});

    private static boolean denseRowMajor(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.rank() == 2 && x.stride(1) == 1 && x.stride(0) == x.size(1);
    }

    /** Whether {@link #gemm} hands these to OpenBLAS itself rather than to ND4J. */
    static boolean takesDirectly(INDArray a, INDArray b, INDArray c) {
        return DIRECT && c.dataType() == DataType.FLOAT && a.dataType() == DataType.FLOAT
                && b.dataType() == DataType.FLOAT && a.rank() == 2 && b.rank() == 2 && c.rank() == 2
                && layout(a) != 0 && layout(b) != 0 && layout(c) != 0;
    }

    private static final int ROW_MAJOR = 1;
    private static final int COLUMN_MAJOR = 2;

    /** How a matrix lies in memory: rows contiguous, columns contiguous, or neither (0). */
    private static int layout(INDArray x) {
        long rows = x.size(0);
        long cols = x.size(1);
        if (x.stride(1) == 1 && (rows == 1 || x.stride(0) >= cols)) {
            return ROW_MAJOR;
        }
        if (x.stride(0) == 1 && (cols == 1 || x.stride(1) >= rows)) {
            return COLUMN_MAJOR;
        }
        return 0;
    }

    /** The leading dimension OpenBLAS wants: the stride between rows (or columns), at least their length. */
    private static int leading(INDArray x, int layout) {
        return (int) (layout == ROW_MAJOR ? Math.max(x.stride(0), x.size(1)) : Math.max(x.stride(1), x.size(0)));
    }
}
