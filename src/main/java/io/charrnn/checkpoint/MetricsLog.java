package io.charrnn.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.model.LossMeter;
import io.charrnn.training.Progress;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per round. The whole file is rewritten atomically after each round
 * (it is small), because Hadoop filesystems cannot all append and a torn last line would break readers.
 */
public final class MetricsLog {
    private final RunDirectory run;
    private final List<String> lines;

    public MetricsLog(RunDirectory run) {
        this(run, new ArrayList<>());
    }

    private MetricsLog(RunDirectory run, List<String> lines) {
        this.run = run;
        this.lines = lines;
    }

    /** The existing log of a resumed run, cut back to the rounds its checkpoint had completed. */
    public static MetricsLog load(RunDirectory run, long upToRound) {
        List<String> kept = new ArrayList<>();
        for (String line : run.readText(RunDirectory.METRICS_FILE).orElse("").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = Json.mapper().readTree(line);
                if (node.path("round").asLong(Long.MAX_VALUE) <= upToRound) {
                    kept.add(line);
                }
            } catch (IOException e) {
                // A line that does not parse cannot be trusted; the rounds after the checkpoint are redone anyway.
            }
        }
        return new MetricsLog(run, kept);
    }

    public void append(Progress p, double charsPerSecond, double elapsedSeconds, String checkpoint) {
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
        lines.add(Json.write(m));
        run.writeText(RunDirectory.METRICS_FILE, String.join("\n", lines) + "\n");
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? round(v, 6) : null;
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
