package io.charrnn.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Rows of parameter-like views (column-major, away from their buffer's start) to and from row tables. */
class ViewRowsTest {
    /** A [rows, columns] column-major view starting 7 elements into a flat row vector, as DL4J hands parameters. */
    private static INDArray parameterView(DataType type, int rows, int columns) {
        INDArray flat = Nd4j.rand(type, 1, 7 + rows * columns + 5);
        return flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(7, 7 + rows * columns))
                .reshape('f', rows, columns);
    }

    @Test
    void gatheredRowsAreTheViewsRowsAndScatteredOnesLandWhereTheyCameFrom() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray source = parameterView(type, 9, 5);
            int[] rows = {1, 4, 5, 8};
            // A table that is itself a row range of a larger one, not at its buffer's start.
            INDArray table = Nd4j.create(type, 6, 5).get(NDArrayIndex.interval(2, 5), NDArrayIndex.all());
            ViewRows.gather(source, rows, 1, 4, 2, table);
            for (int k = 0; k < 3; k++) {
                assertEquals(0, table.getRow(k).sub(source.getRow(rows[1 + k] - 2)).norm2Number().doubleValue(), 0,
                        type + " row " + k);
            }
            INDArray target = parameterView(type, 9, 5);
            INDArray before = target.dup();
            ViewRows.scatter(table, rows, 1, 4, 2, target);
            for (int r = 0; r < 9; r++) {
                boolean written = r == 2 || r == 3 || r == 6;
                INDArray expected = written ? source.getRow(r) : before.getRow(r);
                assertEquals(0, target.getRow(r).sub(expected).norm2Number().doubleValue(), 0, type + " row " + r);
            }
        }
    }

    @Test
    void aTableOfTheWrongShapeIsRefused() {
        INDArray source = parameterView(DataType.FLOAT, 9, 5);
        assertThrows(IllegalArgumentException.class,
                () -> ViewRows.gather(source, new int[]{0, 1}, 0, 2, 0, Nd4j.create(DataType.FLOAT, 3, 5)));
        assertThrows(IllegalArgumentException.class,
                () -> ViewRows.gather(source, new int[]{0, 1}, 0, 2, 0,
                        Nd4j.create(DataType.FLOAT, new long[]{2, 5}, 'f')));
    }
}
