package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OneHotBatchesTest {
    @Test
    void inputsAreTheWindowAndTargetsTheWindowShiftedByOne() {
        EncodedWindow w = new EncodedWindow(false, new short[]{2, 0, 1, 2});
        DataSet ds = OneHotBatches.toDataSet(List.of(w, w), 3);
        assertArrayEquals(new long[]{2, 3, 3}, ds.getFeatures().shape());
        assertArrayEquals(new long[]{2, 3, 3}, ds.getLabels().shape());
        int[] inputs = {2, 0, 1};
        int[] targets = {0, 1, 2};
        for (int t = 0; t < 3; t++) {
            for (int v = 0; v < 3; v++) {
                assertEquals(v == inputs[t] ? 1.0 : 0.0, ds.getFeatures().getDouble(1, v, t));
                assertEquals(v == targets[t] ? 1.0 : 0.0, ds.getLabels().getDouble(1, v, t));
            }
        }
    }

    @Test
    void groupsIntoBatchesWithAShortLastOne() {
        List<EncodedWindow> windows = CharLstmGradientTest.randomWindows(7, 3, 4);
        Iterator<List<EncodedWindow>> batches = OneHotBatches.group(windows.iterator(), 3);
        List<Integer> sizes = new ArrayList<>();
        batches.forEachRemaining(b -> sizes.add(b.size()));
        assertEquals(List.of(3, 3, 1), sizes);
    }
}
