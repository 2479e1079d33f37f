package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Turns encoded windows into minibatches of symbol ids, shape [batch, 1, time] for inputs and for targets (the
 * window shifted by one): 8 bytes per character whatever the vocabulary, where one-hot rows took 8 per symbol of
 * it. The network widens ids itself where it needs to ({@link IdsToOneHot}).
 */
public final class Minibatches {
    private Minibatches() {
    }

    public static DataSet toDataSet(List<EncodedWindow> windows) {
        int batch = windows.size();
        int time = windows.get(0).length();
        float[] features = new float[batch * time];
        float[] labels = new float[batch * time];
        for (int b = 0; b < batch; b++) {
            EncodedWindow w = windows.get(b);
            if (w.length() != time) {
                throw new IllegalArgumentException("windows in one minibatch must have equal length");
            }
            for (int t = 0; t < time; t++) {
                features[b * time + t] = w.id(t);
                labels[b * time + t] = w.id(t + 1);
            }
        }
        long[] shape = {batch, 1, time};
        return new DataSet(Nd4j.create(features, shape, 'c'), Nd4j.create(labels, shape, 'c'));
    }

    /** Input for a sequence of ids, shape [1, 1, length]. */
    public static INDArray sequence(int[] ids) {
        float[] data = new float[ids.length];
        for (int t = 0; t < ids.length; t++) {
            data[t] = ids[t];
        }
        return Nd4j.create(data, new long[]{1, 1, ids.length}, 'c');
    }

    /**
     * Groups consecutive windows into lists of at most {@code batchSize}, lazily; a window of another length than
     * the batch's starts a new batch, since one minibatch has one length.
     */
    public static Iterator<List<EncodedWindow>> group(Iterator<EncodedWindow> windows, int batchSize) {
        return new Iterator<>() {
            private EncodedWindow pending;

            @Override
            public boolean hasNext() {
                return pending != null || windows.hasNext();
            }

            @Override
            public List<EncodedWindow> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<EncodedWindow> batch = new ArrayList<>(batchSize);
                batch.add(pending != null ? pending : windows.next());
                pending = null;
                while (batch.size() < batchSize && windows.hasNext()) {
                    EncodedWindow w = windows.next();
                    if (w.length() != batch.get(0).length()) {
                        pending = w;
                        break;
                    }
                    batch.add(w);
                }
                return batch;
            }
        };
    }
}
