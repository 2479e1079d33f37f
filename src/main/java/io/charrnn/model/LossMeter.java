package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.List;

/**
 * Exact cross-entropy of a model on windows, in nats per predicted character: the negative log-probability the
 * network gives each target, summed, over the number of targets. Sums and counts add up across partitions.
 */
public final class LossMeter implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Floor for probabilities so one underflow cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-30;

    private double sumNats;
    private long count;

    public void add(MultiLayerNetwork net, List<EncodedWindow> windows, int vocabularySize) {
        INDArray features = OneHotBatches.toDataSet(windows, vocabularySize).getFeatures();
        net.rnnClearPreviousState();
        INDArray probabilities = net.output(features, false);
        int time = windows.get(0).length();
        float[] p = probabilities.dup('c').data().asFloat();
        for (int b = 0; b < windows.size(); b++) {
            EncodedWindow w = windows.get(b);
            int base = b * vocabularySize * time;
            for (int t = 0; t < time; t++) {
                sumNats -= Math.log(Math.max(MIN_PROBABILITY, p[base + w.id(t + 1) * time + t]));
            }
            count += time;
        }
    }

    public LossMeter merge(LossMeter other) {
        sumNats += other.sumNats;
        count += other.count;
        return this;
    }

    public long count() {
        return count;
    }

    public double natsPerChar() {
        return count == 0 ? Double.NaN : sumNats / count;
    }

    public static double bits(double nats) {
        return nats / Math.log(2);
    }
}
