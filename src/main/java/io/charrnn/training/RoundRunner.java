package io.charrnn.training;

import io.charrnn.corpus.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Where the rounds of a training session run: on Spark executors, or in this process. The session decides what to
 * train and when; a runner only reads the corpus, trains one round from a given state and scores a network.
 */
public interface RoundRunner extends AutoCloseable {
    /** Training and validation windows of the corpus, once it is encoded with the session's vocabulary. */
    record Windows(long training, long validation) {
    }

    /** The corpus's own vocabulary, before a resumed or warm-started model imposes its own. */
    Vocabulary corpusVocabulary();

    /** Encodes the corpus with the vocabulary the session trains with and cuts it into windows. */
    Windows load(Vocabulary vocabulary);

    /** Workers to use when {@code --workers} is 0. */
    int defaultWorkers();

    /**
     * Trains round {@code round} of {@code epoch}: every worker starts from {@code start} and trains on the windows
     * that {@code plan} deals it; returns the sum of the workers' results in worker order.
     */
    WorkerResult train(RoundPlan plan, int epoch, int round, RoundStart start);

    /**
     * Mean cross-entropy of {@code net} on the validation windows the session scores, nats/char, with the state
     * carried through consecutive windows.
     */
    double validationLoss(MultiLayerNetwork net);

    /** Where the runner is, for the log: a Spark master, or this process. */
    String describe();

    /**
     * Where the data and the computing came from, for checkpoints' provenance: the corpus's fingerprint, and for
     * Spark its version and master.
     */
    default java.util.Map<String, String> provenance() {
        return java.util.Map.of("runner", describe());
    }

    @Override
    void close();
}
