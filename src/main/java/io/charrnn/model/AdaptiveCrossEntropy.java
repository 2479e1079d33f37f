package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Map;

/**
 * The cross-entropy of an {@link AdaptiveSoftmax} and its gradients, on rows of hidden states ([rows, hidden],
 * row-major), a block of rows at a time: the head's logits for every row, each cluster's only for the rows whose
 * target lies in it. Floats go through {@link AdaptiveFloatPass} (raw products on one reused native buffer, each row's
 * softmax and cross-entropy on the heap); other precisions (gradient checks), and arrays it cannot take, through
 * ND4J's ops here, which the tests hold the float pass to.
 *
 * <p>Parameters, by {@link AdaptiveOutputParams}' keys: head weights W [hidden, headWidth] and bias b; for each
 * cluster c, projection P{c} [hidden, d_c], weights W{c} [d_c, size_c] and bias b{c}.
 */
final class AdaptiveCrossEntropy {
    /** Most logits held at once in a block (8 MB of floats): the head's, or one cluster's for its rows. */
    static final long BLOCK_FLOATS = 1L << 21;
    private static final int MIN_ROWS = 32;

    private final AdaptiveSoftmax plan;
    private final int[] ranks;
    private final long blockFloats;
    /** The float pass, made for the first pass's hidden width. */
    private AdaptiveFloatPass floatPass;

    AdaptiveCrossEntropy(AdaptiveSoftmax plan) {
        this(plan, BLOCK_FLOATS);
    }

    /** With at most {@code blockFloats} logits per block (tests: several blocks from a small batch). */
    AdaptiveCrossEntropy(AdaptiveSoftmax plan, long blockFloats) {
        this.plan = plan;
        this.ranks = plan.ranks();
        this.blockFloats = blockFloats;
    }

    /**
     * Where the block from row r0 ends: after as many rows as keep the head's logits and each cluster's (for its
     * rows only) within {@code blockFloats}, at least {@link #MIN_ROWS} (or what is left). Sized by the rows' own
     * clusters, not as if every row took the widest: at 6,000 symbols a batch of 32 x 50 is one block, not four.
     */
    private int blockEnd(int[] targets, int r0, int rows) {
        long[] clusterLogits = new long[plan.clusters() + 1];
        int r = r0;
        for (; r < rows; r++) {
            int c = plan.clusterOf(ranks[targets[r]]);
            long logits = c == 0 ? 0 : clusterLogits[c] + plan.clusterSize(c);
            if (r - r0 >= MIN_ROWS && ((long) (r - r0 + 1) * plan.headWidth() > blockFloats || logits > blockFloats)) {
                break;
            }
            clusterLogits[c] = logits;
        }
        return r;
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
        AdaptiveFloatPass fast = floatPass(x, params, dx);
        double total = 0;
        for (int r0 = 0, end; r0 < rows; r0 = end) {
            end = blockEnd(targets, r0, rows);
            int n = end - r0;
            Block block = new Block(targets, r0, n);
            double[] rowLoss = new double[n];
            if (fast != null) {
                fast.block(x, r0, n, block, params, gradients, dx, rowLoss, r0 == 0);
            } else {
                nd4jBlock(x, r0, n, block, params, gradients, dx, rowLoss, r0 == 0);
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

    /** Which rows of a block [r0, r0 + n) each cluster predicts, and the targets of the head and of each cluster. */
    final class Block {
        private final int[] headTargets;
        private final int[][] rowsOf;
        private final int[][] local;

        Block(int[] targets, int r0, int n) {
            int clusters = plan.clusters();
            int head = plan.clusterStart(1);
            headTargets = new int[n];
            int[] cluster = new int[n];
            int[] members = new int[clusters + 1];
            for (int i = 0; i < n; i++) {
                int rank = ranks[targets[r0 + i]];
                int c = plan.clusterOf(rank);
                cluster[i] = c;
                members[c]++;
                headTargets[i] = c == 0 ? rank : head + c - 1;
            }
            rowsOf = new int[clusters + 1][];
            local = new int[clusters + 1][];
            for (int c = 1; c <= clusters; c++) {
                rowsOf[c] = new int[members[c]];
                local[c] = new int[members[c]];
                for (int i = 0, k = 0; i < n; i++) {
                    if (cluster[i] == c) {
                        rowsOf[c][k] = r0 + i;
                        local[c][k++] = ranks[targets[r0 + i]] - plan.clusterStart(c);
                    }
                }
            }
        }

        /** Each row's target in the head: its symbol's rank, or the entry of its cluster. */
        int[] headTargets() {
            return headTargets;
        }

        /** The rows of x (not of the block) whose targets lie in cluster c, ascending. */
        int[] rowsOf(int c) {
            return rowsOf[c];
        }

        /** Their targets' places in cluster c. */
        int[] localTargets(int c) {
            return local[c];
        }
    }

    /** The float pass where x, dx and the parameters allow it (see {@link #pass}), else null. */
    AdaptiveFloatPass floatPass(INDArray x, Map<String, INDArray> params, INDArray dx) {
        if (!Blas.DIRECT || x.dataType() != DataType.FLOAT || !denseRows(x) || (dx != null && (!denseRows(dx)
                || dx.dataType() != DataType.FLOAT))
                || params.get(AdaptiveOutputParams.HEAD_WEIGHTS).dataType() != DataType.FLOAT) {
            return null;
        }
        if (floatPass == null || floatPass.hidden() != x.size(1)) {
            floatPass = new AdaptiveFloatPass(plan, (int) x.size(1));
        }
        return floatPass;
    }

    private static boolean denseRows(INDArray x) {
        return x.rank() == 2 && x.stride(1) == 1 && x.stride(0) == x.size(1);
    }

    /** {@link AdaptiveFloatPass#block} through ND4J's ops, in any precision. */
    private void nd4jBlock(INDArray x, int r0, int n, Block block, Map<String, INDArray> params,
                           Map<String, INDArray> gradients, INDArray dx, double[] rowLoss, boolean first) {
        boolean backward = gradients != null;
        INDArray xb = x.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all());
        INDArray w = params.get(AdaptiveOutputParams.HEAD_WEIGHTS);
        INDArray z = crossEntropy(xb, w, params.get(AdaptiveOutputParams.HEAD_BIAS), block.headTargets(), rowLoss,
                backward ? gradients.get(AdaptiveOutputParams.HEAD_BIAS) : null, first);
        if (backward) {
            Blas.gemm(xb, z, gradients.get(AdaptiveOutputParams.HEAD_WEIGHTS), true, false, 1.0, first ? 0.0 : 1.0);
            Blas.gemm(z, w, dx.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()), false, true, 1.0, 0.0);
        }
        for (int c = 1; c <= plan.clusters(); c++) {
            int[] rowsOf = block.rowsOf(c);
            if (rowsOf.length == 0) {
                if (backward && first) {
                    gradients.get(AdaptiveOutputParams.projection(c)).assign(0);
                    gradients.get(AdaptiveOutputParams.weights(c)).assign(0);
                    gradients.get(AdaptiveOutputParams.bias(c)).assign(0);
                }
                continue;
            }
            INDArray p = params.get(AdaptiveOutputParams.projection(c));
            INDArray wc = params.get(AdaptiveOutputParams.weights(c));
            INDArray xc = Nd4j.pullRows(x, 1, rowsOf);
            INDArray h = xc.mmul(p);
            double[] clusterLoss = new double[rowsOf.length];
            INDArray zc = crossEntropy(h, wc, params.get(AdaptiveOutputParams.bias(c)), block.localTargets(c),
                    clusterLoss, backward ? gradients.get(AdaptiveOutputParams.bias(c)) : null, first);
            for (int k = 0; k < rowsOf.length; k++) {
                rowLoss[rowsOf[k] - r0] += clusterLoss[k];
            }
            if (backward) {
                Blas.gemm(h, zc, gradients.get(AdaptiveOutputParams.weights(c)), true, false, 1.0, first ? 0.0 : 1.0);
                INDArray dh = zc.mmul(wc.transpose());
                Blas.gemm(xc, dh, gradients.get(AdaptiveOutputParams.projection(c)), true, false, 1.0,
                        first ? 0.0 : 1.0);
                // Where each row of the block finds its gradient: its place among the cluster's rows, or the zero
                // row after them.
                int[] gather = new int[n];
                Arrays.fill(gather, rowsOf.length);
                for (int k = 0; k < rowsOf.length; k++) {
                    gather[rowsOf[k] - r0] = k;
                }
                INDArray dxc = Nd4j.vstack(dh.mmul(p.transpose()), Nd4j.zeros(dx.dataType(), 1, x.size(1)));
                dx.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()).addi(Nd4j.pullRows(dxc, 1, gather));
            }
        }
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
     * gradient, p - onehot(target), whose column sums go to the bias gradient.
     */
    private static INDArray crossEntropy(INDArray a, INDArray w, INDArray b, int[] targets, double[] losses,
                                         INDArray biasGradient, boolean first) {
        INDArray z = logits(a, w, b);
        crossEntropyRows(z, targets, losses, biasGradient != null);
        if (biasGradient != null) {
            addColumnSums(z, biasGradient, first);
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
