package io.charrnn.training;

import io.charrnn.corpus.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Where the rounds of a training session run: on Spark executors, or in this process. The session decides what to
 * train and when; a runner only reads the corpus, trains one round from a given state and scores a network.
 */
public interface RoundRunner extends AutoCloseable {
    /** Training and validation windows of the corpus, once it is encoded with the session's vocabulary. */
    /**
     * @param sampled whether validation scores groups of the held-out windows (a split over --val-max-chars), not all
     */
    record Windows(long training, long validation, boolean sampled) {
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
    /**
     * The most bytes of a model's state (parameters and Adam's two moments as floats) a round can ship, and the
     * setting that bounds it, for a round of this many workers: a checkpoint is built in one byte array, so 1 GiB
     * here; Spark's runner has its own.
     */
    default StateLimit stateLimit(int workers) {
        return new StateLimit(1L << 30, "a checkpoint");
    }

    /** A bound on a model's state in bytes, and what sets it (for the one line that refuses a larger model). */
    record StateLimit(long bytes, String what) {
        /** The lower of two bounds. */
        public StateLimit min(StateLimit other) {
            return other.bytes < bytes ? other : this;
        }
    }

    default java.util.Map<String, String> provenance() {
        return java.util.Map.of("runner", describe());
    }

    /**
     * The round's metrics line, as appended to metrics.jsonl, for a runner that publishes progress elsewhere too
     * (Spark's metrics system).
     */
    default void roundEnded(java.util.Map<String, Object> metricsLine) {
    }

    /**
     * The round was cancelled from outside (its Spark job group, or the whole application): training ends at the
     * last completed round. {@code runnerUsable}: the runner can still score a network, so the session can write a
     * checkpoint of that round.
     */
    final class Cancelled extends io.charrnn.common.JobStopped {
        private static final long serialVersionUID = 1L;
        private final boolean runnerUsable;

        public Cancelled(String message, boolean runnerUsable) {
            super(message);
            this.runnerUsable = runnerUsable;
        }

        public boolean runnerUsable() {
            return runnerUsable;
        }
    }

    @Override
    void close();
}
