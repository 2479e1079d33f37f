package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * The input side of an {@link AdaptiveSoftmax} layout for a {@link FusedLstm} taking ids (Baevski and Auli, "Adaptive
 * input representations", 2019): the head's symbols have rows of W [head, 4H] as with a full input; cluster c's
 * have embeddings E{c} of the cluster's projection width, mapped up to the gates by U{c}. The kernel reads rows by
 * rank; a pass makes only the rows it touches (W's, or E{c} rows times U{c}) and maps only their gradients back to
 * W, E and U. A 6,000-symbol 2 x 128 layer so has 0.24 M parameters instead of 3.07 M (the optimizer, clipping,
 * averaging and checkpoints scale with them), and a pass's cost grows with the symbols it touches, not with the
 * vocabulary (making all 6,000 rows and mapping all their gradients back took ~45 M multiply-adds a pass).
 */
final class AdaptiveInput {
    private final AdaptiveSoftmax layout;
    private final int[] ranks;

    AdaptiveInput(AdaptiveSoftmax layout) {
        this.layout = layout;
        this.ranks = layout.ranks();
    }

    /** A copy of {@code x} (ids) with each id replaced by its rank: the row the kernel asks for. */
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

    /** The rows by rank, made from the layer's parameters; their gradients go to the layer's gradient views. */
    InputRows rows(Map<String, INDArray> params, Map<String, INDArray> gradients) {
        return new InputRows() {
            @Override
            public void gather(int[] rows, int count, INDArray table) {
                int from = 0;
                for (int c = 0; c <= layout.clusters(); c++) {
                    int to = end(rows, count, from, c);
                    if (to == from) {
                        continue;
                    }
                    INDArray part = part(table, from, to);
                    if (c == 0) {
                        ViewRows.gather(params.get(FusedLstmParams.INPUT_WEIGHTS), rows, from, to, 0, part);
                    } else {
                        Blas.gemm(embeddingRows(params, rows, from, to, c),
                                params.get(FusedLstmParams.upProjection(c)), part, false, false, 1.0, 0.0);
                    }
                    from = to;
                }
            }

            @Override
            public void scatter(int[] rows, int count, INDArray table) {
                gradients.get(FusedLstmParams.INPUT_WEIGHTS).assign(0);
                int from = 0;
                for (int c = 0; c <= layout.clusters(); c++) {
                    int to = end(rows, count, from, c);
                    INDArray part = to == from ? null : part(table, from, to);
                    if (c == 0) {
                        if (part != null) {
                            ViewRows.scatter(part, rows, from, to, 0, gradients.get(FusedLstmParams.INPUT_WEIGHTS));
                        }
                    } else {
                        INDArray gE = gradients.get(FusedLstmParams.embeddings(c));
                        INDArray gU = gradients.get(FusedLstmParams.upProjection(c));
                        gE.assign(0);
                        if (part == null) {
                            gU.assign(0);
                        } else {
                            // dE's rows = G U^T; dU = E's rows^T G.
                            INDArray dE = Nd4j.create(table.dataType(), to - from, gE.size(1));
                            Blas.gemm(part, params.get(FusedLstmParams.upProjection(c)), dE, false, true, 1.0, 0.0);
                            ViewRows.scatter(dE, rows, from, to, layout.clusterStart(c), gE);
                            Blas.gemm(embeddingRows(params, rows, from, to, c), part, gU, true, false, 1.0, 0.0);
                        }
                    }
                    from = to;
                }
            }
        };
    }

    /** The end of cluster c's ranks among the sorted {@code rows[from, count)}. */
    private int end(int[] rows, int count, int from, int c) {
        int limit = c == layout.clusters() ? Integer.MAX_VALUE : layout.clusterStart(c + 1);
        int to = from;
        while (to < count && rows[to] < limit) {
            to++;
        }
        return to;
    }

    /** Rows [from, to) of cluster c's embeddings E{c}, by rank, in a new [to - from, d_c] array. */
    private INDArray embeddingRows(Map<String, INDArray> params, int[] rows, int from, int to, int c) {
        INDArray e = params.get(FusedLstmParams.embeddings(c));
        INDArray picked = Nd4j.create(e.dataType(), to - from, e.size(1));
        ViewRows.gather(e, rows, from, to, layout.clusterStart(c), picked);
        return picked;
    }

    private static INDArray part(INDArray table, int from, int to) {
        return table.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }
}
