package io.charrnn.model;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * {@link AdaptiveCrossEntropy}'s pass for float networks, on one native scratch buffer reused across passes: a
 * block's logits (the head's, then each cluster's in turn), its cluster rows of x, their projections and gradients
 * are ranges of it, multiplied by {@link Blas} as raw matrices, and each row's softmax and cross-entropy run on a heap
 * copy ({@link SoftmaxRows}). The pass through ND4J's ops (kept for doubles) made a few dozen arrays a pass for
 * gathers, stacks, transposes and views, each with its native shape and a deallocator for the collector to process:
 * with its products through ND4J's gemm, a tenth of a 6,000-symbol run went to them and their garbage.
 */
final class AdaptiveFloatPass {
    private final AdaptiveSoftmax plan;
    private final int hidden;
    /**
     * Where the current block's ranges start in the scratch, in floats: its logits at 0, then rows of x (later
     * their gradients), their projections and the projections' gradients.
     */
    private long rowsAt;
    private long projectedAt;
    private long projectedGradientAt;
    private INDArray scratch;
    private FloatPointer scratchPointer;
    private FloatBuffer scratchBuffer;
    private float[] heap = new float[0];
    private final float[] row;
    /** Per cluster (0 the head): its bias and its bias gradient's sums, on the heap. */
    private final float[][] bias;
    private final float[][] biasSums;

    /** For rows of {@code hidden} units. */
    AdaptiveFloatPass(AdaptiveSoftmax plan, int hidden) {
        this.plan = plan;
        this.hidden = hidden;
        this.row = new float[hidden];
        bias = new float[plan.clusters() + 1][];
        biasSums = new float[plan.clusters() + 1][];
        bias[0] = new float[plan.headWidth()];
        biasSums[0] = new float[plan.headWidth()];
        for (int c = 1; c <= plan.clusters(); c++) {
            bias[c] = new float[plan.clusterSize(c)];
            biasSums[c] = new float[plan.clusterSize(c)];
        }
    }

    int hidden() {
        return hidden;
    }

    /**
     * Lays the scratch out for a block of n rows with these clusters' rows, growing it when it is too small: sized
     * by what blocks use, not by the widest cluster's logits for every row (~8 MB at 6,000 symbols).
     */
    private void layOut(int n, AdaptiveCrossEntropy.Block block) {
        long logits = (long) n * plan.headWidth();
        int members = 0;
        for (int c = 1; c <= plan.clusters(); c++) {
            int m = block.rowsOf(c).length;
            logits = Math.max(logits, (long) m * plan.clusterSize(c));
            members = Math.max(members, m);
        }
        int projection = plan.projection(1, hidden);
        rowsAt = logits;
        projectedAt = rowsAt + (long) members * hidden;
        projectedGradientAt = projectedAt + (long) members * projection;
        long needed = projectedGradientAt + (long) members * projection;
        if (scratch == null || scratch.length() < needed) {
            // Outside DL4J's workspaces: it outlives this pass.
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                scratch = Nd4j.create(DataType.FLOAT, Math.max(needed, scratch == null ? 0 : 2 * scratch.length()));
            }
            scratchPointer = new FloatPointer(scratch.data().addressPointer());
            scratchBuffer = scratch.data().asNioFloat();
        }
    }

    /**
     * Rows [r0, r0 + n) of {@code x} ([rows, hidden], dense row-major), as {@link AdaptiveCrossEntropy#pass} takes
     * them: adds each row's loss to {@code rowLoss}; with {@code gradients} also their gradients (overwritten when
     * {@code first}, else added to) and rows [r0, r0 + n) of {@code dx} (dense row-major) overwritten.
     */
    void block(INDArray x, int r0, int n, AdaptiveCrossEntropy.Block block, Map<String, INDArray> params,
               Map<String, INDArray> gradients, INDArray dx, double[] rowLoss, boolean first) {
        boolean backward = gradients != null;
        layOut(n, block);
        Blas.Matrix xb = Blas.Matrix.of(x).rows(r0, r0 + n);
        Blas.Matrix w = Blas.Matrix.of(params.get(AdaptiveOutputParams.HEAD_WEIGHTS));
        Blas.Matrix z = region(0, n, plan.headWidth());
        Blas.gemm(xb, w, z, false, false, 1f, 0f);
        crossEntropy(z, params.get(AdaptiveOutputParams.HEAD_BIAS), 0, block.headTargets(), null, r0, rowLoss,
                backward ? gradients.get(AdaptiveOutputParams.HEAD_BIAS) : null, first);
        if (backward) {
            Blas.gemm(xb, z, Blas.Matrix.of(gradients.get(AdaptiveOutputParams.HEAD_WEIGHTS)), true, false, 1f,
                    first ? 0f : 1f);
            Blas.gemm(z, w, Blas.Matrix.of(dx).rows(r0, r0 + n), false, true, 1f, 0f);
        }
        for (int c = 1; c <= plan.clusters(); c++) {
            int[] rowsOf = block.rowsOf(c);
            int m = rowsOf.length;
            if (m == 0) {
                if (backward && first) {
                    gradients.get(AdaptiveOutputParams.projection(c)).assign(0);
                    gradients.get(AdaptiveOutputParams.weights(c)).assign(0);
                    gradients.get(AdaptiveOutputParams.bias(c)).assign(0);
                }
                continue;
            }
            int d = plan.projection(c, hidden);
            Blas.Matrix p = Blas.Matrix.of(params.get(AdaptiveOutputParams.projection(c)));
            Blas.Matrix wc = Blas.Matrix.of(params.get(AdaptiveOutputParams.weights(c)));
            Blas.Matrix xc = region(rowsAt, m, hidden);
            copyRows(x, rowsOf, xc);
            Blas.Matrix h = region(projectedAt, m, d);
            Blas.gemm(xc, p, h, false, false, 1f, 0f);
            Blas.Matrix zc = region(0, m, plan.clusterSize(c));
            Blas.gemm(h, wc, zc, false, false, 1f, 0f);
            crossEntropy(zc, params.get(AdaptiveOutputParams.bias(c)), c, block.localTargets(c), rowsOf, r0, rowLoss,
                    backward ? gradients.get(AdaptiveOutputParams.bias(c)) : null, first);
            if (backward) {
                float beta = first ? 0f : 1f;
                Blas.gemm(h, zc, Blas.Matrix.of(gradients.get(AdaptiveOutputParams.weights(c))), true, false, 1f,
                        beta);
                Blas.Matrix dh = region(projectedGradientAt, m, d);
                Blas.gemm(zc, wc, dh, false, true, 1f, 0f);
                Blas.gemm(xc, dh, Blas.Matrix.of(gradients.get(AdaptiveOutputParams.projection(c))), true, false,
                        1f, beta);
                // x's rows are used up: their range takes their gradients, dh P^T, added to dx's rows.
                Blas.Matrix dxc = region(rowsAt, m, hidden);
                Blas.gemm(dh, p, dxc, false, true, 1f, 0f);
                addRows(dxc, rowsOf, dx);
            }
        }
    }

    private Blas.Matrix region(long at, int rows, int cols) {
        return Blas.Matrix.dense(scratchPointer, at, rows, cols);
    }

    /** Row k of the scratch matrix {@code into} = row {@code rowsOf[k]} of x (dense row-major). */
    private void copyRows(INDArray x, int[] rowsOf, Blas.Matrix into) {
        FloatBuffer source = x.data().asNioFloat();
        // A view's NIO buffer starts at its base buffer's start: offsets are added here.
        int x0 = (int) x.offset();
        for (int k = 0; k < rowsOf.length; k++) {
            scratchBuffer.put((int) (into.offset() + (long) k * hidden), source, x0 + rowsOf[k] * hidden, hidden);
        }
    }

    /** Row {@code rowsOf[k]} of dx (dense row-major) += row k of the scratch matrix {@code from}. */
    private void addRows(Blas.Matrix from, int[] rowsOf, INDArray dx) {
        int m = rowsOf.length;
        float[] rows = heap(m * hidden);
        scratchBuffer.get((int) from.offset(), rows, 0, m * hidden);
        FloatBuffer target = dx.data().asNioFloat();
        int d0 = (int) dx.offset();
        for (int k = 0; k < m; k++) {
            int at = d0 + rowsOf[k] * hidden;
            target.get(at, row, 0, hidden);
            for (int j = 0; j < hidden; j++) {
                row[j] += rows[k * hidden + j];
            }
            target.put(at, row, 0, hidden);
        }
    }

    /**
     * The cross-entropy of the scratch logits z plus cluster c's bias b against {@code targets} (columns): row i's
     * loss is added to {@code rowLoss[i]}, or with {@code rowsOf} (rows of x) to {@code rowLoss[rowsOf[i] - r0]}.
     * With {@code biasGradient} (overwritten when {@code first}, else added to) z is turned into its gradient,
     * p - onehot(target), whose column sums go to it.
     */
    private void crossEntropy(Blas.Matrix z, INDArray b, int cluster, int[] targets, int[] rowsOf, int r0,
                              double[] rowLoss, INDArray biasGradient, boolean first) {
        int rows = z.rows();
        int width = z.cols();
        int length = rows * width;
        float[] logits = heap(length);
        scratchBuffer.get((int) z.offset(), logits, 0, length);
        float[] biasRow = bias[cluster];
        readRow(b, biasRow);
        if (biasGradient == null) {
            for (int i = 0; i < rows; i++) {
                rowLoss[rowsOf == null ? i : rowsOf[i] - r0] += SoftmaxRows.loss(logits, i * width, biasRow, targets[i]);
            }
            return;
        }
        float[] sums = biasSums[cluster];
        Arrays.fill(sums, 0f);
        for (int i = 0; i < rows; i++) {
            rowLoss[rowsOf == null ? i : rowsOf[i] - r0] += SoftmaxRows.gradient(logits, i * width, biasRow, targets[i],
                    sums);
        }
        scratchBuffer.put((int) z.offset(), logits, 0, length);
        FloatBuffer g = biasGradient.data().asNioFloat();
        long g0 = biasGradient.offset();
        long gs = biasGradient.stride(biasGradient.rank() - 1);
        for (int j = 0; j < width; j++) {
            int at = (int) (g0 + j * gs);
            g.put(at, first ? sums[j] : g.get(at) + sums[j]);
        }
    }

    /** The elements of a row vector view into {@code into}. */
    private static void readRow(INDArray v, float[] into) {
        FloatBuffer data = v.data().asNioFloat();
        long v0 = v.offset();
        long s = v.stride(v.rank() - 1);
        for (int j = 0; j < into.length; j++) {
            into[j] = data.get((int) (v0 + j * s));
        }
    }

    private float[] heap(int length) {
        if (heap.length < length) {
            heap = new float[length];
        }
        return heap;
    }
}
