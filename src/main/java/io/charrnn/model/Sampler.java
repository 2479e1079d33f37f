package io.charrnn.model;

import io.charrnn.corpus.UserError;
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
        if (!(temperature > 0)) {
            throw new UserError("--temperature must be greater than 0, got " + temperature);
        }
        Random random = new Random(seed);
        int[] primeIds = prime.isEmpty() ? new int[]{startSymbol(random)} : vocabulary.encode(prime);
        net.rnnClearPreviousState();
        INDArray output = net.rnnTimeStep(OneHotBatches.sequence(primeIds, vocabulary.size()));
        double[] probabilities = lastStep(output);
        StringBuilder generated = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int id = draw(probabilities, temperature, random);
            String symbol = vocabulary.decode(id);
            generated.append(symbol);
            out.accept(symbol);
            probabilities = lastStep(net.rnnTimeStep(OneHotBatches.sequence(new int[]{id}, vocabulary.size())));
        }
        net.rnnClearPreviousState();
        return generated.toString();
    }

    private int startSymbol(Random random) {
        int newline = vocabulary.idOf('\n');
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
