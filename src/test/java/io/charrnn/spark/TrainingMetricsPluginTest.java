package io.charrnn.spark;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gauges' values across the lines of a run (the Spark side is SparkMonitoringTest's). */
class TrainingMetricsPluginTest {
    private static Map<String, Object> line(long round, Double charsPerSec, Double valLoss, String checkpoint) {
        Map<String, Object> m = new HashMap<>();
        m.put("round", round);
        m.put("chars_per_sec", charsPerSec);
        m.put("val_loss", valLoss);
        m.put("checkpoint", checkpoint);
        return m;
    }

    @Test
    void aLineRepeatingTheLastRoundKeepsItsSpeedAndTheValidationLossStaysUntilTheNext() {
        TrainingMetricsPlugin.roundEnded(line(1, 900.0, 2.5, "ckpt_a.zip"));
        TrainingMetricsPlugin.roundEnded(line(2, 1000.0, null, null));
        assertEquals(1000.0, TrainingMetricsPlugin.lastRound().get("chars_per_sec"));
        assertEquals(2.5, TrainingMetricsPlugin.lastRound().get("val_loss"));
        // Round 2's checkpoint after a cancelled round 3: no speed of its own, a new validation loss.
        TrainingMetricsPlugin.roundEnded(line(2, null, 2.25, "ckpt_b.zip"));
        assertEquals(1000.0, TrainingMetricsPlugin.lastRound().get("chars_per_sec"));
        assertEquals(2.25, TrainingMetricsPlugin.lastRound().get("val_loss"));
        assertEquals("ckpt_b.zip", TrainingMetricsPlugin.lastRound().get("checkpoint"));
        // A new round without a speed has none.
        TrainingMetricsPlugin.roundEnded(line(3, null, null, null));
        assertEquals(null, TrainingMetricsPlugin.lastRound().get("chars_per_sec"));
    }
}
