package io.charrnn.training;

import io.charrnn.model.LossMeter;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of one {@code metrics.jsonl} line, named once for the writer and the readers (report, gauges, tests).
 * Losses are in nats per character, with bits beside them.
 */
public final class Metrics {
    public static final String ROUND = "round";
    public static final String EPOCH = "epoch";
    public static final String CHARS = "chars";
    public static final String TRAIN_LOSS = "train_loss";
    public static final String TRAIN_BITS = "train_bits";
    public static final String VAL_LOSS = "val_loss";
    public static final String VAL_BITS = "val_bits";
    public static final String CHARS_PER_SEC = "chars_per_sec";
    public static final String TRAIN_SECONDS = "train_seconds";
    public static final String ELAPSED_SECONDS = "elapsed_seconds";
    public static final String CHECKPOINT = "checkpoint";
    public static final String TIME = "time";
    public static final String ROUND_SECONDS = "round_seconds";
    public static final String OPTIMIZER_STEPS = "optimizer_steps";
    public static final String WORKER_SECONDS = "worker_seconds";
    public static final String SCALAR_KERNEL_WORKERS = "scalar_kernel_workers";
    public static final String WORKER_BATCH = "worker_batch";
    public static final String WINDOWS_PER_STEP = "windows_per_step";
    public static final String NOISE_SCALE = "noise_scale";
    public static final String LEARNING_RATE = "learning_rate";

    private Metrics() {
    }

    public static Map<String, Object> record(Progress p, double charsPerSecond, double elapsedSeconds,
                                             String checkpoint) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(ROUND, p.totalRounds());
        m.put(EPOCH, round(p.epochFraction(), 4));
        m.put(CHARS, p.charsTrained());
        m.put(TRAIN_LOSS, finite(p.trainLoss()));
        m.put(TRAIN_BITS, finite(LossMeter.bits(p.trainLoss())));
        boolean evaluated = checkpoint != null;
        m.put(VAL_LOSS, evaluated ? finite(p.valLoss()) : null);
        m.put(VAL_BITS, evaluated ? finite(LossMeter.bits(p.valLoss())) : null);
        m.put(CHARS_PER_SEC, finite(charsPerSecond));
        m.put(TRAIN_SECONDS, round(p.trainSeconds(), 3));
        m.put(ELAPSED_SECONDS, round(elapsedSeconds, 3));
        m.put(CHECKPOINT, checkpoint);
        m.put(TIME, Instant.now().toString());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? round(v, 6) : null;
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
