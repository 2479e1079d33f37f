package io.charrnn.model;

import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;
import java.util.function.Consumer;

/** Generates text from a trained network one character at a time, char-rnn style. */
public final class Sampler {
    private final MultiLayerNetwork net;
    private final Vocabulary vocabulary;

    public Sampler(MultiLayerNetwork net, Vocabulary vocabulary) {
        this.net = net;
        this.vocabulary = vocabulary;
    }

    /**
     * Feeds the prime text (or, when it is empty, a newline or a frequency-weighted random symbol), then draws
     * {@code length} characters at the given temperature, handing each one to {@code out} as it is made.
     *
     * @return the generated text, without the prime
     */
    public String sample(String prime, int length, double temperature, long seed, Consumer<String> out) {
        return sample(prime, length, new Strategy(temperature, 0, false), seed, out);
    }

    /**
     * How the next symbol is chosen.
     *
     * @param temperature divides the log-probabilities; below 1 is more conservative, above 1 more surprising
     * @param topK        draw only among the k most likely symbols (0: all)
     * @param argmax      always take the most likely symbol (char-rnn's {@code -sample 0})
     */
    public record Strategy(double temperature, int topK, boolean argmax) implements java.io.Serializable {
        public Strategy {
            if (!(temperature > 0)) {
                throw new UserError("--temperature must be greater than 0, got " + temperature);
            }
            if (topK < 0) {
                throw new UserError("--top-k must be 0 (off) or positive, got " + topK);
            }
        }
    }

    public String sample(String prime, int length, Strategy strategy, long seed, Consumer<String> out) {
        Random random = new Random(seed);
        int[] primeIds = prime.isEmpty() ? new int[]{startSymbol(random)} : vocabulary.encode(prime);
        net.rnnClearPreviousState();
        INDArray output = net.rnnTimeStep(Minibatches.sequence(primeIds));
        double[] probabilities = lastStep(output);
        StringBuilder generated = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int id = strategy.argmax() ? argmax(probabilities)
                    : draw(keepTop(probabilities, strategy.topK()), strategy.temperature(), random);
            String symbol = vocabulary.decode(id);
            generated.append(symbol);
            out.accept(symbol);
            probabilities = lastStep(net.rnnTimeStep(Minibatches.sequence(new int[]{id})));
        }
        net.rnnClearPreviousState();
        return generated.toString();
    }

    private int startSymbol(Random random) {
        int newline = vocabulary.exactIdOf('\n');
        if (newline != Vocabulary.NOT_IN_VOCABULARY) {
            return newline;
        }
        double[] frequencies = new double[vocabulary.size()];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = vocabulary.countOf(i);
        }
        return draw(frequencies, 1.0, random);
    }

    /** Output of rnnTimeStep is [1, V, T] (or [1, V] for one step); returns the distribution at the last step. */
    private static double[] lastStep(INDArray output) {
        INDArray last = output.rank() == 3
                ? output.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(output.size(2) - 1))
                : output.getRow(0);
        return last.toDoubleVector();
    }

    /** Samples from p^(1/T), renormalised; T=1 is the model's own distribution. */
    static int draw(double[] probabilities, double temperature, Random random) {
        int best = argmax(probabilities);
        double logBest = Math.log(Math.max(probabilities[best], 1e-300));
        double[] weights = new double[probabilities.length];
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            double p = Math.max(probabilities[i], 0);
            // Relative to the most likely symbol, so low temperatures cannot underflow every weight to zero.
            weights[i] = p == 0 ? 0 : Math.exp((Math.log(p) - logBest) / temperature);
            total += weights[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return best;
    }

    /** Zeroes all but the k largest probabilities (ties at the boundary are kept). */
    static double[] keepTop(double[] probabilities, int k) {
        if (k <= 0 || k >= probabilities.length) {
            return probabilities;
        }
        double[] sorted = probabilities.clone();
        java.util.Arrays.sort(sorted);
        double threshold = sorted[sorted.length - k];
        double[] kept = new double[probabilities.length];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = probabilities[i] >= threshold ? probabilities[i] : 0;
        }
        return kept;
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
