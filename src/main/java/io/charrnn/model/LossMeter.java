package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Exact cross-entropy of a model on windows, in nats per predicted character: the negative log-probability the
 * network gives each target, summed, over the number of targets. Sums and counts add up across partitions.
 *
 * <p>{@link #addCarried} scores as char-rnn and most tools do, with the LSTM state carried through consecutive text;
 * {@link #add} scores every window from a zero state (its first characters are predicted with no context).
 */
public final class LossMeter implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Floor for probabilities so one underflow cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-30;
    /** Most output probabilities held at once while scoring: 16 MB of floats. */
    private static final long OUTPUT_BUDGET = 1L << 22;

    private double sumNats;
    private long count;

    public void add(MultiLayerNetwork net, List<EncodedWindow> windows, int vocabularySize) {
        net.rnnClearPreviousState();
        boolean[] all = new boolean[windows.size()];
        java.util.Arrays.fill(all, true);
        addInSteps(net, windows, all, vocabularySize);
        net.rnnClearPreviousState();
    }

    /** The state is carried through up to this many consecutive windows in {@link #addCarried}. */
    public static final int CARRY_WINDOWS = 16;
    /** Slices scored side by side; {@link #addCarried} takes at most this many times {@link #CARRY_WINDOWS}. */
    public static final int CARRY_LANES = 32;
    public static final int CARRY_BLOCK = CARRY_WINDOWS * CARRY_LANES;

    /**
     * Scores windows in their order with the LSTM state carried from a window into the next one that
     * {@link EncodedWindow#follows() follows} it. The windows (at most {@link #CARRY_BLOCK}) are cut into
     * contiguous slices of about {@value #CARRY_WINDOWS}, which run side by side as the rows of one minibatch; a
     * row starts from a zero state at the start of its slice and at every window that follows no other. The slices
     * depend on the windows alone, never on a batch size, so a figure is the same for every caller. Windows shorter
     * than the rest (the remainders of segments) are scored from a zero state.
     */
    public void addCarried(MultiLayerNetwork net, List<EncodedWindow> windows, int vocabularySize) {
        if (windows.size() > CARRY_BLOCK) {
            throw new IllegalArgumentException("at most " + CARRY_BLOCK + " windows at a time");
        }
        int time = 0;
        for (EncodedWindow w : windows) {
            time = Math.max(time, w.length());
        }
        List<EncodedWindow> full = new ArrayList<>();
        List<EncodedWindow> shorter = new ArrayList<>();
        for (EncodedWindow w : windows) {
            (w.length() == time ? full : shorter).add(w);
        }
        int n = full.size();
        if (n > 0) {
            int rows = (n + CARRY_WINDOWS - 1) / CARRY_WINDOWS;
            int[] from = new int[rows + 1];
            for (int b = 0; b <= rows; b++) {
                from[b] = (int) ((long) b * n / rows);
            }
            int steps = from[1] - from[0];
            for (int b = 1; b < rows; b++) {
                steps = Math.max(steps, from[b + 1] - from[b]);
            }
            net.rnnClearPreviousState();
            for (int s = 0; s < steps; s++) {
                List<EncodedWindow> batch = new ArrayList<>(rows);
                boolean[] real = new boolean[rows];
                List<Integer> cold = new ArrayList<>();
                for (int b = 0; b < rows; b++) {
                    int i = from[b] + s;
                    real[b] = i < from[b + 1];
                    EncodedWindow w = full.get(real[b] ? i : from[b + 1] - 1);
                    batch.add(w);
                    if (s > 0 && (!real[b] || !w.follows())) {
                        cold.add(b);
                    }
                }
                zeroStateRows(net, cold);
                addInSteps(net, batch, real, vocabularySize);
            }
            net.rnnClearPreviousState();
        }
        Minibatches.group(shorter.iterator(), CARRY_LANES).forEachRemaining(b -> add(net, b, vocabularySize));
    }

    /**
     * Scores windows as they stream in: with {@code carried}, in blocks of {@value #CARRY_BLOCK} windows through
     * {@link #addCarried} (so memory stays bounded on any partition), else in minibatches of {@code batchSize}
     * from a zero state.
     */
    public void addAll(MultiLayerNetwork net, Iterator<EncodedWindow> windows, int batchSize, int vocabularySize,
                       boolean carried) {
        if (!carried) {
            Minibatches.group(windows, batchSize).forEachRemaining(b -> add(net, b, vocabularySize));
            return;
        }
        List<EncodedWindow> block = new ArrayList<>();
        while (windows.hasNext()) {
            block.add(windows.next());
            if (block.size() == CARRY_BLOCK || !windows.hasNext()) {
                addCarried(net, block, vocabularySize);
                block.clear();
            }
        }
    }

    private static void zeroStateRows(MultiLayerNetwork net, List<Integer> rows) {
        if (rows.isEmpty()) {
            return;
        }
        for (int layer = 0; layer < net.getnLayers(); layer++) {
            if (!(net.getLayer(layer) instanceof RecurrentLayer)) {
                continue;
            }
            Map<String, INDArray> state = net.rnnGetPreviousState(layer);
            for (INDArray a : state.values()) {
                for (int row : rows) {
                    a.getRow(row).assign(0);
                }
            }
            net.rnnSetPreviousState(layer, state);
        }
    }

    /**
     * Runs equal-length windows through the network from its current state, as many steps at a time as keep the
     * output (rows x vocabulary x steps probabilities) within {@link #OUTPUT_BUDGET} floats: a whole window for a
     * small vocabulary; for thousands of symbols a window at once would take gigabytes. Adds the targets of the
     * counted rows.
     */
    private void addInSteps(MultiLayerNetwork net, List<EncodedWindow> windows, boolean[] counted,
                            int vocabularySize) {
        INDArray features = Minibatches.toDataSet(windows).getFeatures();
        int time = windows.get(0).length();
        int steps = (int) Math.max(1, Math.min(time, OUTPUT_BUDGET / ((long) windows.size() * vocabularySize)));
        for (int t0 = 0; t0 < time; t0 += steps) {
            int t1 = Math.min(time, t0 + steps);
            INDArray probabilities = net.rnnTimeStep(t0 == 0 && t1 == time ? features
                    : features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t1)));
            addTargets(probabilities, windows, counted, t0, t1);
        }
    }

    /**
     * Adds the targets of steps [t0, t1) of the counted rows, given the probabilities for those steps; reads one
     * value per target where it lies (a copy of all of them would be rows x vocabulary x steps floats of garbage).
     */
    private void addTargets(INDArray probabilities, List<EncodedWindow> windows, boolean[] counted, int t0, int t1) {
        for (int b = 0; b < windows.size(); b++) {
            if (!counted[b]) {
                continue;
            }
            EncodedWindow w = windows.get(b);
            for (int t = t0; t < t1; t++) {
                sumNats -= Math.log(Math.max(MIN_PROBABILITY, probabilities.getDouble(b, w.id(t + 1), t - t0)));
            }
            count += t1 - t0;
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
