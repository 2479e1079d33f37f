package io.charrnn.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a kernel taking ids finds the input rows a pass touches, and where their gradients go. A pass of 32 x 50
 * characters touches a few hundred distinct symbols: the kernel asks for those rows only (sorted, distinct) in a
 * table [count, 4H] and hands back their gradients in one, so neither time nor memory per pass grows with the
 * vocabulary.
 */
interface InputRows {
    /** Writes input rows {@code rows[0, count)} into row k of {@code table} [count, 4H]. */
    void gather(int[] rows, int count, INDArray table);

    /**
     * Sets the layer's input-weight gradients from the gradients of rows {@code rows[0, count)} in {@code table}
     * [count, 4H]; every row not touched has a zero gradient.
     */
    void scatter(int[] rows, int count, INDArray table);

    /** The rows of W [symbols, 4H] by id, and its gradient view. */
    static InputRows of(INDArray w, INDArray gradient) {
        return new InputRows() {
            @Override
            public void gather(int[] rows, int count, INDArray table) {
                ViewRows.gather(w, rows, 0, count, 0, table);
            }

            @Override
            public void scatter(int[] rows, int count, INDArray table) {
                gradient.assign(0);
                ViewRows.scatter(table, rows, 0, count, 0, gradient);
            }
        };
    }
}
