package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Rows of a 2-D view with any strides (DL4J's parameter views are column-major) copied to and from a table of rows,
 * element by element: a pass of id input touches a few hundred rows of a large table, too many for a native call
 * each and too few to copy the whole table. Tables are row-major and contiguous ([rows, columns] in C order, or a
 * row range of one).
 */
final class ViewRows {
    private ViewRows() {
    }

    /** Row k of {@code table} = row {@code rows[from + k] - minus} of {@code source}, for k < to - from. */
    static void gather(INDArray source, int[] rows, int from, int to, int minus, INDArray table) {
        int columns = columnsOf(source, table, to - from);
        if (source.dataType() == DataType.FLOAT && table.dataType() == DataType.FLOAT) {
            // A view's NIO buffer starts at its base buffer's start: offsets are added here.
            FloatBuffer s = source.data().asNioFloat();
            FloatBuffer t = table.data().asNioFloat();
            long s0 = source.stride(0);
            long s1 = source.stride(1);
            int so = (int) source.offset();
            int to0 = (int) table.offset();
            for (int k = 0; k < to - from; k++) {
                long row = so + (rows[from + k] - minus) * s0;
                int at = to0 + k * columns;
                for (int j = 0; j < columns; j++) {
                    t.put(at + j, s.get((int) (row + j * s1)));
                }
            }
        } else {
            for (int k = 0; k < to - from; k++) {
                for (int j = 0; j < columns; j++) {
                    table.putScalar(k, j, source.getDouble(rows[from + k] - minus, j));
                }
            }
        }
    }

    /** Row {@code rows[from + k] - minus} of {@code target} = row k of {@code table}; the other rows are left. */
    static void scatter(INDArray table, int[] rows, int from, int to, int minus, INDArray target) {
        int columns = columnsOf(target, table, to - from);
        if (target.dataType() == DataType.FLOAT && table.dataType() == DataType.FLOAT) {
            FloatBuffer s = table.data().asNioFloat();
            FloatBuffer t = target.data().asNioFloat();
            long t0 = target.stride(0);
            long t1 = target.stride(1);
            int so = (int) table.offset();
            int to0 = (int) target.offset();
            for (int k = 0; k < to - from; k++) {
                long row = to0 + (rows[from + k] - minus) * t0;
                int at = so + k * columns;
                for (int j = 0; j < columns; j++) {
                    t.put((int) (row + j * t1), s.get(at + j));
                }
            }
        } else {
            for (int k = 0; k < to - from; k++) {
                for (int j = 0; j < columns; j++) {
                    target.putScalar(rows[from + k] - minus, j, table.getDouble(k, j));
                }
            }
        }
    }

    private static int columnsOf(INDArray view, INDArray table, int count) {
        if (view.rank() != 2 || table.rank() != 2 || table.size(0) != count || table.size(1) != view.size(1)
                || (count > 1 && table.stride(0) != table.size(1)) || (table.size(1) > 1 && table.stride(1) != 1)) {
            throw new IllegalArgumentException("rows " + view.shapeInfoToString() + " and a row-major table of "
                    + count + " rows: " + table.shapeInfoToString());
        }
        return (int) view.size(1);
    }
}
