package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * The input side of an {@link AdaptiveSoftmax} layout for a {@link FusedLstm} taking ids (Baevski and Auli, "Adaptive
 * input representations", 2019): the head's symbols have rows of W [head, 4H] as with a full input; cluster c's
 * have embeddings E{c} of the cluster's projection width, mapped up to the gates by U{c}. Before each pass the
 * layer's rows, in rank order, are made whole ([symbols, 4H]: W, then E{c} U{c} per cluster) and the kernel gathers
 * them by rank as it gathers W by id; its scatter-added row gradients then become those of W, E and U. A 6,000-symbol
 * 2 x 128 layer so has 0.24 M parameters instead of 3.07 M (the optimizer, clipping, averaging and checkpoints scale
 * with them), for ~45 M multiply-adds a pass to make and unmake the rows.
 */
final class AdaptiveInput {
    private final AdaptiveSoftmax layout;
    private final int[] ranks;
    private final INDArray rows;
    /** Made on the first backward pass: networks that only score or sample never need it. */
    private INDArray rowGradients;

    AdaptiveInput(AdaptiveSoftmax layout, int hidden, DataType type) {
        this.layout = layout;
        this.ranks = layout.ranks();
        // Outside DL4J's workspaces: they outlive a pass.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            rows = Nd4j.create(type, new long[]{layout.symbols(), 4L * hidden}, 'c');
        }
    }

    /** A copy of {@code x} (ids) with each id replaced by its rank: the row of {@link #rows} the kernel reads. */
    INDArray ranksOf(INDArray x) {
        INDArray r = x.dup('c');
        DataBuffer data = r.data();
        long offset = r.offset();
        for (long i = 0; i < r.length(); i++) {
            double v = data.getDouble(offset + i);
            int id = (int) v;
            if (v != id || id < 0 || id >= ranks.length) {
                throw new IllegalArgumentException("symbol id " + v + " is not one of the " + ranks.length
                        + " of the layer");
            }
            data.put(offset + i, ranks[id]);
        }
        return r;
    }

    /** The rows of every symbol by rank, from the layer's parameters. */
    INDArray rows(Map<String, INDArray> params) {
        cluster(rows, 0).assign(params.get(FusedLstmParams.INPUT_WEIGHTS));
        for (int c = 1; c <= layout.clusters(); c++) {
            Blas.gemm(params.get(FusedLstmParams.embeddings(c)), params.get(FusedLstmParams.upProjection(c)),
                    cluster(rows, c), false, false, 1.0, 0.0);
        }
        return rows;
    }

    /** Where the kernel writes the gradient of {@link #rows}. */
    INDArray rowGradients() {
        if (rowGradients == null) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                rowGradients = Nd4j.create(rows.dataType(), rows.shape(), 'c');
            }
        }
        return rowGradients;
    }

    /** The gradients of W, E{c} and U{c} (overwritten) from the kernel's {@link #rowGradients}. */
    void backward(Map<String, INDArray> params, Map<String, INDArray> gradients) {
        gradients.get(FusedLstmParams.INPUT_WEIGHTS).assign(cluster(rowGradients(), 0));
        for (int c = 1; c <= layout.clusters(); c++) {
            INDArray g = cluster(rowGradients, c);
            Blas.gemm(g, params.get(FusedLstmParams.upProjection(c)), gradients.get(FusedLstmParams.embeddings(c)),
                    false, true, 1.0, 0.0);
            Blas.gemm(params.get(FusedLstmParams.embeddings(c)), g, gradients.get(FusedLstmParams.upProjection(c)),
                    true, false, 1.0, 0.0);
        }
    }

    /** The rows of cluster c (0: the head). */
    private INDArray cluster(INDArray all, int c) {
        int from = c == 0 ? 0 : layout.clusterStart(c);
        int to = c == 0 ? layout.clusterStart(1) : from + layout.clusterSize(c);
        return all.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }
}
