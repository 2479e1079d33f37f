package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;


/**
 * The output layer's training pass for float networks in one sweep over blocks of rows: logits of a block by one
 * product, softmax, cross-entropy against the target ids and its gradient in place, then that block's share of the
 * weight, bias and input gradients, the same quantities as DL4J's output layer with {@link IdCrossEntropy}. DL4J
 * reshapes its input into a copy, computes all logits, copies them twice (softmax, then its gradient) and calls
 * ND4J's gemm: about a tenth of a step at 2 x 128, and at 6,000 symbols three [rows, symbols] arrays at once.
 * Here at most {@link #BLOCK_FLOATS} logits are held, whatever the vocabulary or the batch.
 */
final class SoftmaxCrossEntropy {
    /** Whether float networks train through this: on unless {@code -Dcharrnn.output.fused=false} (to compare). */
    static final boolean FUSED = !"false".equals(System.getProperty("charrnn.output.fused"));
    /** Most logits held at once: 4 MB, all rows of a batch of 32 x 50 up to ~650 symbols. */
    static final int BLOCK_FLOATS = 1 << 20;
    /** Fewest rows in a block (unless the batch has fewer), so that its products stay matrix products. */
    private static final int MIN_ROWS = 32;

    private final int symbols;
    private final int blockFloats;
    private INDArray logits;
    private float[] block = new float[0];
    private final float[] bias;
    private final float[] biasGradient;

    SoftmaxCrossEntropy(int symbols) {
        this(symbols, BLOCK_FLOATS);
    }

    /** With at most {@code blockFloats} logits at once (tests: several blocks from a small batch). */
    SoftmaxCrossEntropy(int symbols, int blockFloats) {
        this.symbols = symbols;
        this.blockFloats = blockFloats;
        this.bias = new float[symbols];
        this.biasGradient = new float[symbols];
    }

    /** Rows per block: as many as {@code blockFloats} logits allow, at least {@link #MIN_ROWS}. */
    private int blockRows(int rows) {
        return Math.min(rows, Math.max(MIN_ROWS, blockFloats / symbols));
    }

    /**
     * The summed loss of {@code x} (rows of inputs, [rows, nIn], row-major) predicting {@code targets}, with the
     * gradients of that sum: {@code dw} ([nIn, symbols]) and {@code db} ([1, symbols]) overwritten, and {@code dx}
     * ([rows, nIn], row-major) the gradient with respect to x. All float.
     */
    double backward(INDArray x, int[] targets, INDArray w, INDArray b, INDArray dw, INDArray db, INDArray dx) {
        int rows = (int) x.size(0);
        int step = prepare(rows, b);
        java.util.Arrays.fill(biasGradient, 0f);
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += step) {
            int n = Math.min(step, rows - r0);
            INDArray xBlock = x.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all());
            INDArray zBlock = blockLogits(xBlock, w, n);
            for (int i = 0; i < n; i++) {
                double rowLoss = SoftmaxRows.gradient(block, i * symbols, bias, targets[r0 + i], biasGradient);
                loss += Math.min(IdCrossEntropy.MAX_LOSS, Math.max(IdCrossEntropy.MIN_LOSS, rowLoss));
            }
            logits.data().asNioFloat().put(0, block, 0, n * symbols);
            Blas.gemm(xBlock, zBlock, dw, true, false, 1.0, r0 == 0 ? 0.0 : 1.0);
            Blas.gemm(zBlock, w, dx.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()), false, true, 1.0,
                    0.0);
        }
        db.assign(Nd4j.create(biasGradient, new long[]{1, symbols}, 'c'));
        return loss;
    }

    /**
     * Forward only, for scoring: {@code losses[i]} = -log p(targets[i]) for each row of {@code x} ([rows, nIn],
     * row-major), unclipped but for probabilities under {@code minProbability}. Nothing of size [rows, symbols] is
     * held, where DL4J's inference holds the probabilities of every row, twice.
     */
    void targetLosses(INDArray x, int[] targets, INDArray w, INDArray b, double[] losses, double minProbability) {
        int rows = (int) x.size(0);
        int step = prepare(rows, b);
        double maxLoss = -Math.log(minProbability);
        for (int r0 = 0; r0 < rows; r0 += step) {
            int n = Math.min(step, rows - r0);
            blockLogits(x.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()), w, n);
            for (int i = 0; i < n; i++) {
                losses[r0 + i] = Math.min(maxLoss, SoftmaxRows.loss(block, i * symbols, bias, targets[r0 + i]));
            }
        }
    }

    /**
     * The logits of the {@code n} rows of {@code xBlock} without the bias: into {@link #logits}, whose first rows
     * it returns, and copied into {@link #block} for the row loops.
     */
    private INDArray blockLogits(INDArray xBlock, INDArray w, int n) {
        INDArray zBlock = logits.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
        Blas.gemm(xBlock, w, zBlock, false, false, 1.0, 0.0);
        logits.data().asNioFloat().get(0, block, 0, n * symbols);
        return zBlock;
    }

    /** Scratch for blocks of {@code rows} and the bias read from {@code b}; returns the rows per block. */
    private int prepare(int rows, INDArray b) {
        int step = blockRows(rows);
        if (logits == null || logits.size(0) < step) {
            // Outside DL4J's workspaces: it outlives this pass.
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                logits = Nd4j.create(DataType.FLOAT, new long[]{step, symbols}, 'c');
            }
            block = new float[step * symbols];
        }
        b.dup('c').data().asNioFloat().get(bias);
        return step;
    }
}
