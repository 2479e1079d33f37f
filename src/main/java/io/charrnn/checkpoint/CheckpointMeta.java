package io.charrnn.checkpoint;

import io.charrnn.corpus.Vocabulary;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;

/**
 * What a checkpoint holds besides the DL4J network: the vocabulary, the full configuration and the progress, so
 * that a checkpoint alone can be sampled, evaluated and continued.
 */
public record CheckpointMeta(String format, int version, int[] codePoints, long[] counts, TrainConfig train,
                             Progress progress, String createdAt) {
    public static final String FORMAT = "charrnn-checkpoint";
    public static final int VERSION = 1;

    public static CheckpointMeta of(Vocabulary vocabulary, TrainConfig train, Progress progress) {
        return new CheckpointMeta(FORMAT, VERSION, vocabulary.codePoints(), vocabulary.counts(), train, progress,
                java.time.Instant.now().toString());
    }

    public Vocabulary vocabulary() {
        return new Vocabulary(codePoints, counts);
    }
}
