package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
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
    /** Most floats in the arrays of one scoring pass (probabilities, or the last LSTM layer's output): 16 MB. */
    private static final long OUTPUT_BUDGET = 1L << 22;

    private double sumNats;
    private long count;
    /** Scratch of the fused scoring, made on first use where the meter scores. */
    private transient SoftmaxCrossEntropy scorer;
    private transient boolean scoredAdaptive;

    public void add(MultiLayerNetwork net, List<EncodedWindow> windows, int vocabularySize) {
        net.rnnClearPreviousState();
        int[] all = new int[windows.size()];
        java.util.Arrays.fill(all, windows.get(0).length());
        addInSteps(net, windows, all, vocabularySize, null);
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
                int[] real = new int[rows];
                List<Integer> cold = new ArrayList<>();
                for (int b = 0; b < rows; b++) {
                    int i = from[b] + s;
                    boolean isReal = i < from[b + 1];
                    real[b] = isReal ? time : 0;
                    EncodedWindow w = full.get(isReal ? i : from[b + 1] - 1);
                    batch.add(w);
                    if (s > 0 && (!isReal || !w.follows())) {
                        cold.add(b);
                    }
                }
                zeroStateRows(net, cold);
                addInSteps(net, batch, real, vocabularySize, null);
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

    /** Steps of {@link #addTexts}'s windows: the state is carried from one into the next. */
    private static final int TEXT_STEPS = 1024;

    /**
     * Scores whole texts side by side, each from a zero state: the negative log-probability of each symbol after
     * the first given those before it, summed per text into {@code nats} (and into this meter). Texts of any
     * length; shorter ones are padded and their padding not counted, so texts of like lengths waste least.
     *
     * @param texts ids, each at least two (the first is context only)
     */
    public void addTexts(MultiLayerNetwork net, List<int[]> texts, int vocabularySize, double[] nats) {
        int longest = 0;
        for (int[] t : texts) {
            longest = Math.max(longest, t.length);
        }
        net.rnnClearPreviousState();
        for (int start = 0; start < longest - 1; start += TEXT_STEPS) {
            int steps = Math.min(TEXT_STEPS, longest - 1 - start);
            List<EncodedWindow> windows = new ArrayList<>(texts.size());
            int[] counted = new int[texts.size()];
            for (int b = 0; b < texts.size(); b++) {
                int[] text = texts.get(b);
                short[] ids = new short[steps + 1];
                for (int t = 0; t <= steps && start + t < text.length; t++) {
                    ids[t] = (short) text[start + t];
                }
                windows.add(new EncodedWindow(false, start > 0, ids));
                counted[b] = Math.max(0, Math.min(steps, text.length - 1 - start));
            }
            addInSteps(net, windows, counted, vocabularySize, nats);
        }
        net.rnnClearPreviousState();
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
     * arrays of a pass within {@link #OUTPUT_BUDGET} floats, and adds the first {@code counted[b]} targets of each
     * row b (to {@code perRow[b]} too, if given). Float
     * networks with {@link IdOutput} score through {@link SoftmaxCrossEntropy}, and every {@link AdaptiveOutput}
     * through {@link AdaptiveCrossEntropy}, which hold a block of rows' logits at a time: the budget then bounds
     * the last LSTM layer's output (a whole window at 2 x 128). Others
     * (doubles, DL4J's output layer) take DL4J's inference, whose output is rows x vocabulary x steps
     * probabilities: for thousands of symbols a few steps at a time.
     */
    private void addInSteps(MultiLayerNetwork net, List<EncodedWindow> windows, int[] counted,
                            int vocabularySize, double[] perRow) {
        INDArray features = Minibatches.toDataSet(windows).getFeatures();
        int time = windows.get(0).length();
        Layer output = net.getOutputLayer();
        boolean fused = output instanceof AdaptiveOutput.Impl
                || output instanceof IdOutput.Impl && net.params().dataType() == DataType.FLOAT;
        long perStep = (long) windows.size() * (fused ? ((FeedForwardLayer) output.conf().getLayer()).getNIn()
                : vocabularySize);
        int steps = (int) Math.max(1, Math.min(time, OUTPUT_BUDGET / perStep));
        for (int t0 = 0; t0 < time; t0 += steps) {
            int t1 = Math.min(time, t0 + steps);
            INDArray in = t0 == 0 && t1 == time ? features
                    : features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t1));
            if (fused) {
                addTargetsOfHidden(net, lastHidden(net, in), windows, counted, perRow, t0, t1);
            } else {
                addTargets(net.rnnTimeStep(in), windows, counted, perRow, t0, t1);
            }
        }
    }

    /**
     * What the layer under the output layer gives for {@code x}, running each layer from and into its stored
     * state as {@code rnnTimeStep} does, but not the output layer.
     */
    private static INDArray lastHidden(MultiLayerNetwork net, INDArray x) {
        net.setInput(x);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        for (int i = 0; i < net.getnLayers() - 1; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                x = pre.preProcess(x, net.getInputMiniBatchSize(), noWorkspaces);
            }
            x = ((RecurrentLayer) net.getLayer(i)).rnnTimeStep(x, noWorkspaces);
            net.getLayer(i).clear();
        }
        return x;
    }

    /**
     * Adds the targets of steps [t0, t1) of the counted rows, given the last LSTM layer's output
     * ([rows, hidden, steps]) for those steps.
     */
    private void addTargetsOfHidden(MultiLayerNetwork net, INDArray hidden, List<EncodedWindow> windows,
                                    int[] counted, double[] perRow, int t0, int t1) {
        Layer output = net.getOutputLayer();
        int batch = windows.size();
        int[] targets = new int[(t1 - t0) * batch];
        for (int t = t0; t < t1; t++) {
            for (int b = 0; b < batch; b++) {
                targets[(t - t0) * batch + b] = windows.get(b).id(t + 1);
            }
        }
        double[] losses = new double[targets.length];
        INDArray rows = IdOutput.timeMajorRows(hidden, LayerWorkspaceMgr.noWorkspaces());
        if (output instanceof AdaptiveOutput.Impl adaptive) {
            adaptive.crossEntropy().pass(rows, targets, adaptive.paramTable(), null, null, losses, 0,
                    -Math.log(MIN_PROBABILITY));
            scoredAdaptive = true;
        } else {
            if (scorer == null) {
                scorer = new SoftmaxCrossEntropy((int) ((FeedForwardLayer) output.conf().getLayer()).getNOut());
            }
            scorer.targetLosses(rows, targets, output.getParam(DefaultParamInitializer.WEIGHT_KEY),
                    output.getParam(DefaultParamInitializer.BIAS_KEY), losses, MIN_PROBABILITY);
        }
        for (int b = 0; b < batch; b++) {
            int upTo = Math.min(t1, counted[b]) - t0;
            double row = 0;
            for (int t = 0; t < upTo; t++) {
                row += losses[t * batch + b];
            }
            if (upTo > 0) {
                sumNats += row;
                count += upTo;
                if (perRow != null) {
                    perRow[b] += row;
                }
            }
        }
    }

    /**
     * Adds the targets of steps [t0, t1) of the counted rows, given the probabilities for those steps; reads one
     * value per target where it lies (a copy of all of them would be rows x vocabulary x steps floats of garbage).
     */
    private void addTargets(INDArray probabilities, List<EncodedWindow> windows, int[] counted, double[] perRow,
                            int t0, int t1) {
        for (int b = 0; b < windows.size(); b++) {
            EncodedWindow w = windows.get(b);
            int upTo = Math.min(t1, counted[b]);
            double row = 0;
            for (int t = t0; t < upTo; t++) {
                row -= Math.log(Math.max(MIN_PROBABILITY, probabilities.getDouble(b, w.id(t + 1), t - t0)));
            }
            if (upTo > t0) {
                sumNats += row;
                count += upTo - t0;
                if (perRow != null) {
                    perRow[b] += row;
                }
            }
        }
    }

    /** Whether this meter scored through {@link SoftmaxCrossEntropy} or {@link AdaptiveCrossEntropy} (for tests). */
    boolean scoredThroughKernel() {
        return scorer != null || scoredAdaptive;
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
