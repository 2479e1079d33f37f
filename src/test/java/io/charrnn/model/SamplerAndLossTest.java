package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SamplerAndLossTest {
    private static final Vocabulary VOCAB = Vocabulary.fromCounts(Map.of((int) 'a', 5L, (int) 'b', 3L,
            (int) 'c', 1L, (int) '\n', 1L));

    private static MultiLayerNetwork untrained() {
        return CharLstm.create(new ModelConfig(2, 16, 10, 0, 2e-3, 5, 7, LstmImplementation.FUSED), VOCAB.size());
    }

    @Test
    void anUntrainedModelScoresAboutLnOfTheVocabulary() {
        LossMeter meter = new LossMeter();
        List<EncodedWindow> windows = CharLstmGradientTest.randomWindows(4, 20, VOCAB.size());
        meter.add(untrained(), windows, VOCAB.size());
        assertEquals(80, meter.count());
        assertEquals(Math.log(VOCAB.size()), meter.natsPerChar(), 0.15);
    }

    @Test
    void trainingOnARepeatedPatternLowersTheLossFarBelowUniform() {
        MultiLayerNetwork net = untrained();
        short[] ids = new short[41];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (short) (i % 3);
        }
        List<EncodedWindow> windows = List.of(new EncodedWindow(false, ids), new EncodedWindow(false, ids));
        for (int i = 0; i < 60; i++) {
            net.fit(Minibatches.toDataSet(windows));
        }
        LossMeter meter = new LossMeter();
        meter.add(net, windows, VOCAB.size());
        assertTrue(meter.natsPerChar() < 0.3, "loss " + meter.natsPerChar());
        // And the sampler, primed with the pattern, continues it at low temperature.
        String text = new Sampler(net, VOCAB).sample("\nab", 9, 0.1, 3, s -> { });
        assertEquals("\nab\nab\nab", text);
    }

    @Test
    void samplingIsRepeatableWithASeedAndStreamsEverySymbol() {
        MultiLayerNetwork net = untrained();
        StringBuilder streamed = new StringBuilder();
        String a = new Sampler(net, VOCAB).sample("ab", 50, 1.0, 99, streamed::append);
        String b = new Sampler(net, VOCAB).sample("ab", 50, 1.0, 99, s -> { });
        assertEquals(a, b);
        assertEquals(a, streamed.toString());
        assertEquals(50, a.codePointCount(0, a.length()));
    }

    @Test
    void primeWithAnUnknownSymbolIsAUserError() {
        UserError e = assertThrows(UserError.class,
                () -> new Sampler(untrained(), VOCAB).sample("abz", 5, 1.0, 1, s -> { }));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
    }

    @Test
    void lowTemperaturePicksTheMostLikelySymbolHighTemperatureFlattens() {
        double[] p = {0.1, 0.6, 0.3};
        Random random = new Random(5);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, Sampler.draw(p, 0.01, random));
        }
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            counts[Sampler.draw(p, 1.0, random)]++;
        }
        assertEquals(0.1, counts[0] / 30_000.0, 0.01);
        assertEquals(0.6, counts[1] / 30_000.0, 0.01);
        int[] hot = new int[3];
        for (int i = 0; i < 30_000; i++) {
            hot[Sampler.draw(p, 100, random)]++;
        }
        assertEquals(1.0 / 3, hot[0] / 30_000.0, 0.02);
    }
}
