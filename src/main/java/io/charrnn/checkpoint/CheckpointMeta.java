package io.charrnn.checkpoint;

import io.charrnn.common.BuildInfo;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.training.BatchSchedule;
import io.charrnn.training.LearningRateSchedule;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;

/**
 * What a checkpoint holds besides the DL4J network: the vocabulary, the full configuration and the progress, so
 * that a checkpoint alone can be sampled, evaluated and continued; and its provenance (which data, code and
 * cluster made it: the corpus or dataset fingerprint, this project's and its libraries' versions, the JVM, Spark's
 * version and master), absent in checkpoints from before it was recorded; and the batch schedule's state (the
 * batch in force and the noise estimate), absent in checkpoints from before it existed; and the learning-rate
 * schedule's cycle, absent in checkpoints from before cycles.
 */
public record CheckpointMeta(String format, int version, int[] codePoints, long[] counts, TrainConfig train,
                             Progress progress, String createdAt, String contentSha256, Boolean unknownSymbol,
                             java.util.Map<String, String> provenance, BatchSchedule.State batch,
                             LearningRateSchedule.Cycle schedule) {
    public static final String FORMAT = "charrnn-checkpoint";
    public static final int VERSION = 1;

    public static CheckpointMeta of(Vocabulary vocabulary, TrainConfig train, Progress progress) {
        return of(vocabulary, train, progress, BuildInfo.versions());
    }

    public static CheckpointMeta of(Vocabulary vocabulary, TrainConfig train, Progress progress,
                                    java.util.Map<String, String> provenance) {
        return of(vocabulary, train, progress, provenance, null, null);
    }

    public static CheckpointMeta of(Vocabulary vocabulary, TrainConfig train, Progress progress,
                                    java.util.Map<String, String> provenance, BatchSchedule.State batch,
                                    LearningRateSchedule.Cycle schedule) {
        return new CheckpointMeta(FORMAT, VERSION, vocabulary.codePoints(), vocabulary.counts(), train, progress,
                java.time.Instant.now().toString(), null, vocabulary.hasUnknown(), provenance, batch, schedule);
    }

    /** The same metadata with the SHA-256 of the checkpoint's network entries (names and contents, in order). */
    public CheckpointMeta withContentSha256(String sha256) {
        return new CheckpointMeta(format, version, codePoints, counts, train, progress, createdAt, sha256,
                unknownSymbol, provenance, batch, schedule);
    }

    public Vocabulary vocabulary() {
        // Checkpoints from before the unknown symbol existed have no such field: their vocabulary has none.
        return new Vocabulary(codePoints, counts, Boolean.TRUE.equals(unknownSymbol));
    }
}
