package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * The cross-entropy of an {@link AdaptiveSoftmax} and its gradients, on rows of hidden states ([rows, hidden],
 * row-major), a block of rows at a time: the head's logits for every row, each cluster's only for the rows whose
 * target lies in it (gathered, and their input gradients scattered back, by one {@code pullRows} each). In the
 * network's precision: products by {@link Blas}; for floats each row's softmax and cross-entropy on the heap
 * ({@link SoftmaxRows}, in a scratch block reused across passes), for doubles (gradient checks) through ND4J's ops.
 * ND4J's max, exp, sums and broadcasts over the float logits, and its per-row reads, took a tenth of a 6,000-symbol
 * run and allocated native arrays each pass that lived until the next garbage collection.
 *
 * <p>Parameters, by {@link AdaptiveOutputParams}' keys: head weights W [hidden, headWidth] and bias b; for each
 * cluster c, projection P{c} [hidden, d_c], weights W{c} [d_c, size_c] and bias b{c}.
 */
final class AdaptiveCrossEntropy {
    /** Most logits held at once in a block (8 MB of floats): the head's or the widest cluster's, per row. */
    static final long BLOCK_FLOATS = 1L << 21;
    private static final int MIN_ROWS = 32;

    private final AdaptiveSoftmax plan;
    private final int[] ranks;
    private final long blockFloats;
    /** Float logits of one block (the head's, then each cluster's in turn), and their heap copy. */
    private INDArray scratch;
    private float[] heap = new float[0];

    AdaptiveCrossEntropy(AdaptiveSoftmax plan) {
        this(plan, BLOCK_FLOATS);
    }

    /** With at most {@code blockFloats} logits per block (tests: several blocks from a small batch). */
    AdaptiveCrossEntropy(AdaptiveSoftmax plan, long blockFloats) {
        this.plan = plan;
        this.ranks = plan.ranks();
        this.blockFloats = blockFloats;
    }

    private int blockRows(int rows) {
        int widest = plan.headWidth();
        for (int c = 1; c <= plan.clusters(); c++) {
            widest = Math.max(widest, plan.clusterSize(c));
        }
        return (int) Math.min(rows, Math.max(MIN_ROWS, blockFloats / widest));
    }

    /**
     * The summed loss of {@code x}'s rows predicting {@code targets} (symbol ids), each row's loss clamped to
     * [minLoss, maxLoss]. With {@code gradients} (views by parameter key, overwritten) also the gradients of that
     * sum, and {@code dx} ([rows, hidden]) overwritten with the gradient with respect to x; with {@code losses},
     * each row's loss.
     */
    double pass(INDArray x, int[] targets, Map<String, INDArray> params, Map<String, INDArray> gradients,
                INDArray dx, double[] losses, double minLoss, double maxLoss) {
        int rows = (int) x.size(0);
        int step = blockRows(rows);
        boolean backward = gradients != null;
        int clusters = plan.clusters();
        int head = plan.clusterStart(1);
        double total = 0;
        for (int r0 = 0; r0 < rows; r0 += step) {
            int n = Math.min(step, rows - r0);
            boolean first = r0 == 0;
            INDArray xb = x.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all());
            double[] rowLoss = new double[n];
            int[] headTargets = new int[n];
            int[] members = new int[clusters + 1];
            int[] cluster = new int[n];
            for (int i = 0; i < n; i++) {
                int rank = ranks[targets[r0 + i]];
                int c = plan.clusterOf(rank);
                cluster[i] = c;
                members[c]++;
                headTargets[i] = c == 0 ? rank : head + c - 1;
            }
            INDArray w = params.get(AdaptiveOutputParams.HEAD_WEIGHTS);
            INDArray z = crossEntropy(xb, w, params.get(AdaptiveOutputParams.HEAD_BIAS), headTargets, rowLoss,
                    backward ? gradients.get(AdaptiveOutputParams.HEAD_BIAS) : null, first);
            if (backward) {
                Blas.gemm(xb, z, gradients.get(AdaptiveOutputParams.HEAD_WEIGHTS), true, false, 1.0,
                        first ? 0.0 : 1.0);
                Blas.gemm(z, w, dx.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()), false, true, 1.0,
                        0.0);
            }
            for (int c = 1; c <= clusters; c++) {
                INDArray p = params.get(AdaptiveOutputParams.projection(c));
                INDArray wc = params.get(AdaptiveOutputParams.weights(c));
                if (members[c] == 0) {
                    if (backward && first) {
                        gradients.get(AdaptiveOutputParams.projection(c)).assign(0);
                        gradients.get(AdaptiveOutputParams.weights(c)).assign(0);
                        gradients.get(AdaptiveOutputParams.bias(c)).assign(0);
                    }
                    continue;
                }
                int[] rowsOf = new int[members[c]];
                int[] local = new int[members[c]];
                // Where each row of the block finds its gradient: its place among the cluster's rows, or the zero
                // row after them.
                int[] gather = new int[n];
                for (int i = 0, k = 0; i < n; i++) {
                    if (cluster[i] == c) {
                        rowsOf[k] = r0 + i;
                        local[k] = ranks[targets[r0 + i]] - plan.clusterStart(c);
                        gather[i] = k++;
                    } else {
                        gather[i] = members[c];
                    }
                }
                INDArray xc = Nd4j.pullRows(x, 1, rowsOf);
                INDArray h = xc.mmul(p);
                double[] clusterLoss = new double[members[c]];
                INDArray zc = crossEntropy(h, wc, params.get(AdaptiveOutputParams.bias(c)), local, clusterLoss,
                        backward ? gradients.get(AdaptiveOutputParams.bias(c)) : null, first);
                for (int k = 0; k < rowsOf.length; k++) {
                    rowLoss[rowsOf[k] - r0] += clusterLoss[k];
                }
                if (backward) {
                    Blas.gemm(h, zc, gradients.get(AdaptiveOutputParams.weights(c)), true, false, 1.0,
                            first ? 0.0 : 1.0);
                    INDArray dh = zc.mmul(wc.transpose());
                    Blas.gemm(xc, dh, gradients.get(AdaptiveOutputParams.projection(c)), true, false, 1.0,
                            first ? 0.0 : 1.0);
                    INDArray dxc = Nd4j.vstack(dh.mmul(p.transpose()), Nd4j.zeros(dx.dataType(), 1, x.size(1)));
                    dx.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all())
                            .addi(Nd4j.pullRows(dxc, 1, gather));
                }
            }
            for (int i = 0; i < n; i++) {
                double loss = Math.min(maxLoss, Math.max(minLoss, rowLoss[i]));
                if (losses != null) {
                    losses[r0 + i] = loss;
                }
                total += loss;
            }
        }
        return total;
    }

    /**
     * The distribution over every symbol, by id, for each row of {@code x}: [rows, symbols]. For sampling and
     * DL4J's inference; it holds rows x symbols values, so scoring uses {@link #pass} instead.
     */
    INDArray probabilities(INDArray x, Map<String, INDArray> params) {
        int rows = (int) x.size(0);
        int head = plan.clusterStart(1);
        INDArray ph = logits(x, params.get(AdaptiveOutputParams.HEAD_WEIGHTS),
                params.get(AdaptiveOutputParams.HEAD_BIAS));
        softmaxRows(ph);
        INDArray byRank = Nd4j.createUninitialized(x.dataType(), new long[]{rows, plan.symbols()}, 'c');
        byRank.get(NDArrayIndex.all(), NDArrayIndex.interval(0, head))
                .assign(ph.get(NDArrayIndex.all(), NDArrayIndex.interval(0, head)));
        for (int c = 1; c <= plan.clusters(); c++) {
            INDArray h = x.mmul(params.get(AdaptiveOutputParams.projection(c)));
            INDArray pc = logits(h, params.get(AdaptiveOutputParams.weights(c)),
                    params.get(AdaptiveOutputParams.bias(c)));
            softmaxRows(pc);
            pc.muliColumnVector(ph.get(NDArrayIndex.all(), NDArrayIndex.interval(head + c - 1, head + c)));
            int start = plan.clusterStart(c);
            byRank.get(NDArrayIndex.all(), NDArrayIndex.interval(start, start + plan.clusterSize(c))).assign(pc);
        }
        // Column id of the result is column ranks[id] of byRank: rows of the transposes.
        return Nd4j.pullRows(byRank.transpose().dup('c'), 1, ranks).transpose();
    }

    /**
     * The cross-entropy of the rows a w + b against {@code targets} (columns), added to {@code losses}. With
     * {@code biasGradient} (overwritten when {@code first}, else added to) the returned logits are turned into their
     * gradient, p - onehot(target), whose column sums go to the bias gradient. Float logits live in the scratch
     * block until the next call.
     */
    private INDArray crossEntropy(INDArray a, INDArray w, INDArray b, int[] targets, double[] losses,
                                  INDArray biasGradient, boolean first) {
        if (a.dataType() != DataType.FLOAT) {
            INDArray z = logits(a, w, b);
            crossEntropyRows(z, targets, losses, biasGradient != null);
            if (biasGradient != null) {
                addColumnSums(z, biasGradient, first);
            }
            return z;
        }
        int rows = (int) a.size(0);
        int width = (int) w.size(1);
        int length = rows * width;
        if (scratch == null || scratch.length() < length) {
            // Outside DL4J's workspaces: it outlives this pass.
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                scratch = Nd4j.create(DataType.FLOAT, Math.max(length, scratch == null ? 0 : 2 * scratch.length()));
            }
            heap = new float[(int) scratch.length()];
        }
        INDArray z = scratch.get(NDArrayIndex.interval(0, length)).reshape('c', rows, width);
        Blas.gemm(a, w, z, false, false, 1.0, 0.0);
        scratch.data().asNioFloat().get(0, heap, 0, length);
        float[] bias = new float[width];
        b.dup('c').data().asNioFloat().get(bias);
        if (biasGradient == null) {
            for (int i = 0; i < rows; i++) {
                losses[i] += SoftmaxRows.loss(heap, i * width, bias, targets[i]);
            }
            return z;
        }
        float[] sums = new float[width];
        for (int i = 0; i < rows; i++) {
            losses[i] += SoftmaxRows.gradient(heap, i * width, bias, targets[i], sums);
        }
        scratch.data().asNioFloat().put(0, heap, 0, length);
        INDArray columnSums = Nd4j.create(sums, new long[]{1, width}, 'c');
        if (first) {
            biasGradient.assign(columnSums);
        } else {
            biasGradient.addi(columnSums);
        }
        return z;
    }

    /** a w + b as a new row-major array. */
    private static INDArray logits(INDArray a, INDArray w, INDArray b) {
        INDArray z = Nd4j.createUninitialized(a.dataType(), new long[]{a.size(0), w.size(1)}, 'c');
        Blas.gemm(a, w, z, false, false, 1.0, 0.0);
        return z.addiRowVector(b);
    }

    /** Rows of logits into their softmax, in place. */
    private static void softmaxRows(INDArray z) {
        z.subiColumnVector(z.max(true, 1));
        Transforms.exp(z, false);
        z.diviColumnVector(z.sum(true, 1));
    }

    /**
     * Rows of logits (row-major) into their softmax, or with {@code gradient} into p - onehot(target) (the loss's
     * gradient with respect to the logits); adds -log p(target) of each row to {@code losses}.
     */
    private static void crossEntropyRows(INDArray z, int[] targets, double[] losses, boolean gradient) {
        int width = (int) z.size(1);
        z.subiColumnVector(z.max(true, 1));
        DataBuffer data = z.data();
        long offset = z.offset();
        double[] targetLogit = new double[targets.length];
        for (int i = 0; i < targets.length; i++) {
            targetLogit[i] = data.getDouble(offset + (long) i * width + targets[i]);
        }
        Transforms.exp(z, false);
        INDArray sums = z.sum(true, 1);
        for (int i = 0; i < targets.length; i++) {
            losses[i] += Math.log(sums.getDouble(i)) - targetLogit[i];
        }
        if (gradient) {
            z.diviColumnVector(sums);
            for (int i = 0; i < targets.length; i++) {
                long at = offset + (long) i * width + targets[i];
                data.put(at, data.getDouble(at) - 1);
            }
        }
    }

    /** bias (overwritten when {@code first}, else added to) by the column sums of z. */
    private static void addColumnSums(INDArray z, INDArray bias, boolean first) {
        INDArray sums = z.sum(true, 0);
        if (first) {
            bias.assign(sums);
        } else {
            bias.addi(sums);
        }
    }
}
