package io.charrnn.training;

import io.charrnn.model.LossMeter;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fields of one {@code metrics.jsonl} line. Losses are in nats per character, with bits beside them. */
public final class Metrics {
    private Metrics() {
    }

    public static Map<String, Object> record(Progress p, double charsPerSecond, double elapsedSeconds,
                                             String checkpoint) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", p.totalRounds());
        m.put("epoch", round(p.epochFraction(), 4));
        m.put("chars", p.charsTrained());
        m.put("train_loss", finite(p.trainLoss()));
        m.put("train_bits", finite(LossMeter.bits(p.trainLoss())));
        boolean evaluated = checkpoint != null;
        m.put("val_loss", evaluated ? finite(p.valLoss()) : null);
        m.put("val_bits", evaluated ? finite(LossMeter.bits(p.valLoss())) : null);
        m.put("chars_per_sec", finite(charsPerSecond));
        m.put("train_seconds", round(p.trainSeconds(), 3));
        m.put("elapsed_seconds", round(elapsedSeconds, 3));
        m.put("checkpoint", checkpoint);
        m.put("time", Instant.now().toString());
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
