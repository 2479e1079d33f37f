package io.charrnn.model;

import io.charrnn.corpus.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Scores documents (a table's rows) one by one, as training saw them: each text after the separator that ended the
 * row before it, followed by its own separator. A text's log-likelihood is that of its symbols and its closing
 * separator, each given those before it, from a zero state with the separator's last symbol as the only context: the
 * same text in a file, after that symbol and followed by the separator, gets the same figure from {@code eval}. Texts
 * are scored side by side in groups of like length.
 */
public final class TextScores {
    /** A text's score; {@code symbols} counts the closing separator, {@code unknown} the symbols outside the vocabulary. */
    public record Score(double logLikelihood, long symbols, long unknown) {
        public double natsPerChar() {
            return -logLikelihood / symbols;
        }

        public double bitsPerChar() {
            return LossMeter.bits(natsPerChar());
        }
    }

    private final MultiLayerNetwork net;
    private final Vocabulary vocabulary;
    private final int[] separator;
    private final int groupSize;

    /** @param groupSize texts scored side by side */
    public TextScores(MultiLayerNetwork net, Vocabulary vocabulary, String separator, int groupSize) {
        this.net = net;
        this.vocabulary = vocabulary;
        this.separator = separator.codePoints().toArray();
        this.groupSize = groupSize;
    }

    /** The scores of texts, in their order; null for a null or empty text. */
    public Score[] score(List<String> texts) {
        Score[] scores = new Score[texts.size()];
        List<int[]> encoded = new ArrayList<>(texts.size());
        long[] unknown = new long[texts.size()];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int[] ids = text == null || text.isEmpty() ? null : encode(text, unknown, i);
            encoded.add(ids == null || ids.length < 2 ? null : ids);
            if (encoded.get(i) != null) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingInt(i -> encoded.get(i).length));
        LossMeter meter = new LossMeter();
        int vocabularySize = CharLstm.vocabularySize(net);
        for (int from = 0; from < order.size(); from += groupSize) {
            List<Integer> group = order.subList(from, Math.min(order.size(), from + groupSize));
            List<int[]> batch = group.stream().map(encoded::get).toList();
            double[] nats = new double[batch.size()];
            meter.addTexts(net, batch, vocabularySize, nats);
            for (int b = 0; b < batch.size(); b++) {
                int i = group.get(b);
                scores[i] = new Score(-nats[b], batch.get(b).length - 1, unknown[i]);
            }
        }
        return scores;
    }

    /**
     * The separator's last symbol (the context), the text and the separator as ids; symbols without an id of their
     * own are counted (the context's is not).
     */
    private int[] encode(String text, long[] unknown, int index) {
        int[] cps = text.codePoints().toArray();
        int[] ids = new int[1 + cps.length + separator.length];
        int n = put(ids, 0, separator[separator.length - 1], new long[1], 0);
        for (int cp : cps) {
            n = put(ids, n, cp, unknown, index);
        }
        for (int cp : separator) {
            n = put(ids, n, cp, unknown, index);
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    private int put(int[] ids, int n, int codePoint, long[] unknown, int index) {
        int id = vocabulary.idCounting(codePoint, x -> unknown[index] += x);
        if (id == Vocabulary.NOT_IN_VOCABULARY) {
            return n;
        }
        ids[n] = id;
        return n + 1;
    }
}
