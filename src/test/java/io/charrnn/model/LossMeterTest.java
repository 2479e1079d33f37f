package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Carried-state scoring equals scoring each run of consecutive windows as one long window from a zero state. */
class LossMeterTest {
    private static final int VOCAB = 7;
    private static final int WINDOW = 30;

    private static short[] text(Random r, int length) {
        short[] ids = new short[length];
        for (int i = 0; i < length; i++) {
            ids[i] = (short) r.nextInt(VOCAB);
        }
        return ids;
    }

    /** A segment of text cut into consecutive windows, as WindowCutter cuts it. */
    private static List<EncodedWindow> cut(short[] text) {
        List<EncodedWindow> out = new ArrayList<>();
        for (int from = 0; from + WINDOW < text.length; from += WINDOW) {
            out.add(new EncodedWindow(true, !out.isEmpty(), Arrays.copyOfRange(text, from, from + WINDOW + 1)));
        }
        return out;
    }

    private static LossMeter whole(MultiLayerNetwork net, short[]... segments) {
        LossMeter m = new LossMeter();
        for (short[] s : segments) {
            int usable = (s.length - 1) / WINDOW * WINDOW + 1;
            m.add(net, List.of(new EncodedWindow(true, Arrays.copyOf(s, usable))), VOCAB);
        }
        return m;
    }

    @Test
    void carriedStateScoresLikeOneLongWindow() {
        MultiLayerNetwork net = CharLstm.create(new ModelConfig(2, 12, 10, 0, 1e-2, 5, 3, LstmImplementation.FUSED),
                VOCAB);
        Random r = new Random(5);
        // Two segments whose lengths fill whole slices: 2 lanes x 16 windows, then a segment start.
        short[] a = text(r, LossMeter.CARRY_WINDOWS * WINDOW + 1);
        short[] b = text(r, LossMeter.CARRY_WINDOWS * WINDOW + 1);
        List<EncodedWindow> windows = new ArrayList<>(cut(a));
        windows.addAll(cut(b));
        LossMeter carried = new LossMeter();
        carried.addCarried(net, windows, VOCAB);
        LossMeter expected = whole(net, a, b);
        assertEquals(expected.count(), carried.count());
        assertEquals(expected.natsPerChar(), carried.natsPerChar(), 1e-5);

        // One slice through both segments: the state is reset where the second one starts.
        LossMeter oneLane = new LossMeter();
        oneLane.addCarried(net, windows.subList(LossMeter.CARRY_WINDOWS - 3, LossMeter.CARRY_WINDOWS + 3), VOCAB);
        short[] tailOfA = Arrays.copyOfRange(a, (LossMeter.CARRY_WINDOWS - 3) * WINDOW, a.length);
        short[] headOfB = Arrays.copyOfRange(b, 0, 3 * WINDOW + 1);
        assertEquals(whole(net, tailOfA, headOfB).natsPerChar(), oneLane.natsPerChar(), 1e-5);

        LossMeter cold = new LossMeter();
        Minibatches.group(windows.iterator(), 4).forEachRemaining(w -> cold.add(net, w, VOCAB));
        assertNotEquals(cold.natsPerChar(), carried.natsPerChar(), 1e-6, "cold starts must score differently");
    }

    @Test
    void unevenSlicesAndShorterWindowsAreAllScoredOnce() {
        MultiLayerNetwork net = CharLstm.create(new ModelConfig(1, 8, 10, 0, 1e-2, 5, 4, LstmImplementation.FUSED),
                VOCAB);
        Random r = new Random(6);
        List<EncodedWindow> windows = new ArrayList<>(cut(text(r, 37 * WINDOW + 1)));
        windows.add(new EncodedWindow(true, true, text(r, 12)));
        windows.addAll(cut(text(r, 5 * WINDOW + 1)));
        LossMeter m = new LossMeter();
        m.addCarried(net, windows, VOCAB);
        assertEquals(42L * WINDOW + 11, m.count());
        assertTrue(Double.isFinite(m.natsPerChar()));
    }

    @ParameterizedTest
    @EnumSource(LstmImplementation.class)
    void aLargeVocabularyIsScoredAsDl4jsInferenceScoresIt(LstmImplementation lstm) {
        // 5,000 symbols, 4 rows x 300 steps: the fused scoring takes blocks of 209 rows, the last one partial
        // (SoftmaxCrossEntropy.BLOCK_FLOATS); DL4J's inference (doubles) a few steps at a time (OUTPUT_BUDGET).
        int vocabulary = 5000;
        ModelConfig config = new ModelConfig(2, 8, 10, 0, 1e-2, 5, 4, lstm);
        MultiLayerNetwork net = CharLstm.create(config, vocabulary);
        List<EncodedWindow> windows = CharLstmGradientTest.randomWindows(4, 300, vocabulary);
        LossMeter m = new LossMeter();
        m.add(net, windows, vocabulary);
        LossMeter again = new LossMeter();
        again.add(net, windows, vocabulary);

        org.nd4j.linalg.api.ndarray.INDArray p = net.output(Minibatches.toDataSet(windows).getFeatures());
        double nats = 0;
        for (int b = 0; b < windows.size(); b++) {
            for (int t = 0; t < 300; t++) {
                nats -= Math.log(p.getDouble(b, windows.get(b).id(t + 1), t));
            }
        }
        assertEquals(4L * 300, m.count());
        assertEquals(nats / (4 * 300), m.natsPerChar(), 1e-5);
        assertEquals(m.natsPerChar(), again.natsPerChar(), 0, "the state is cleared between calls");

        MultiLayerNetwork doubles = new MultiLayerNetwork(CharLstm.configuration(config, vocabulary,
                org.nd4j.linalg.api.buffer.DataType.DOUBLE, new org.nd4j.linalg.learning.config.Adam(1e-2), true,
                CharLstm.Symbols.IDS));
        doubles.init(net.params().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), true);
        LossMeter throughDl4j = new LossMeter();
        throughDl4j.add(doubles, windows, vocabulary);
        assertEquals(m.natsPerChar(), throughDl4j.natsPerChar(), 1e-5);
        assertTrue(m.scoredThroughKernel());
        assertFalse(throughDl4j.scoredThroughKernel());
    }
}
