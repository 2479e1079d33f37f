package io.charrnn.checkpoint;

import io.charrnn.corpus.Vocabulary;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;

/**
 * What a checkpoint holds besides the DL4J network: the vocabulary, the full configuration and the progress, so
 * that a checkpoint alone can be sampled, evaluated and continued.
 */
public record CheckpointMeta(String format, int version, int[] codePoints, long[] counts, TrainConfig train,
                             Progress progress, String createdAt, String contentSha256, Boolean unknownSymbol) {
    public static final String FORMAT = "charrnn-checkpoint";
    public static final int VERSION = 1;

    public static CheckpointMeta of(Vocabulary vocabulary, TrainConfig train, Progress progress) {
        return new CheckpointMeta(FORMAT, VERSION, vocabulary.codePoints(), vocabulary.counts(), train, progress,
                java.time.Instant.now().toString(), null, vocabulary.hasUnknown());
    }

    /** The same metadata with the SHA-256 of the checkpoint's network entries (names and contents, in order). */
    public CheckpointMeta withContentSha256(String sha256) {
        return new CheckpointMeta(format, version, codePoints, counts, train, progress, createdAt, sha256,
                unknownSymbol);
    }

    public Vocabulary vocabulary() {
        // Checkpoints from before the unknown symbol existed have no such field: their vocabulary has none.
        return new Vocabulary(codePoints, counts, Boolean.TRUE.equals(unknownSymbol));
    }
}
