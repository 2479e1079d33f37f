package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MinibatchesTest {
    @Test
    void inputsAreTheWindowAndTargetsTheWindowShiftedByOneAsIds() {
        EncodedWindow w = new EncodedWindow(false, new short[]{2, 0, 1, 2});
        // An id above 32767 is stored as a negative short: it must come out as itself.
        EncodedWindow wide = new EncodedWindow(false, new short[]{(short) 60000, 5, (short) 40000, 7});
        DataSet ds = Minibatches.toDataSet(List.of(w, wide));
        assertArrayEquals(new long[]{2, 1, 3}, ds.getFeatures().shape());
        assertArrayEquals(new long[]{2, 1, 3}, ds.getLabels().shape());
        int[][] inputs = {{2, 0, 1}, {60000, 5, 40000}};
        int[][] targets = {{0, 1, 2}, {5, 40000, 7}};
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                assertEquals(inputs[b][t], ds.getFeatures().getDouble(b, 0, t));
                assertEquals(targets[b][t], ds.getLabels().getDouble(b, 0, t));
            }
        }
    }

    @Test
    void groupsIntoBatchesWithAShortLastOne() {
        List<EncodedWindow> windows = CharLstmGradientTest.randomWindows(7, 3, 4);
        Iterator<List<EncodedWindow>> batches = Minibatches.group(windows.iterator(), 3);
        List<Integer> sizes = new ArrayList<>();
        batches.forEachRemaining(b -> sizes.add(b.size()));
        assertEquals(List.of(3, 3, 1), sizes);
    }
}
