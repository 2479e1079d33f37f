package io.charrnn.spark;

import io.charrnn.training.Metrics;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

import java.util.Map;

/**
 * Publishes the driver's training progress in Spark's metrics system, so that the sinks a cluster already has
 * (PrometheusServlet, Graphite, JMX; conf/metrics.properties.template) see it beside Spark's own metrics, under
 * {@code plugin.io.charrnn.spark.TrainingMetricsPlugin}. {@link SparkSetup} adds it to {@code spark.plugins}.
 * Gauges read the last round's metrics line, which the round runner hands over; NaN until there is one.
 */
public final class TrainingMetricsPlugin implements SparkPlugin {
    /** The newest metrics.jsonl line of this driver's run, and when its latest checkpoint was written. */
    private static volatile Map<String, Object> lastRound = Map.of();
    private static volatile long lastCheckpointNanos;

    static void roundEnded(Map<String, Object> metricsLine) {
        if (metricsLine.get(Metrics.CHECKPOINT) != null) {
            lastCheckpointNanos = System.nanoTime();
        }
        lastRound = Map.copyOf(gaugeValues(metricsLine));
    }

    /** The line's values (Map.copyOf takes no nulls), with the last validation loss where the round had none. */
    private static Map<String, Object> gaugeValues(Map<String, Object> line) {
        Map<String, Object> out = new java.util.HashMap<>(line);
        out.values().removeIf(java.util.Objects::isNull);
        // The validation loss of the last evaluated round stays until the next evaluation.
        if (!out.containsKey(Metrics.VAL_LOSS) && lastRound.containsKey(Metrics.VAL_LOSS)) {
            out.put(Metrics.VAL_LOSS, lastRound.get(Metrics.VAL_LOSS));
        }
        // A line that repeats the last round (its checkpoint, after a cancelled round or at the end of the run)
        // has no speed of its own: the round's own line keeps its values there.
        if (java.util.Objects.equals(out.get(Metrics.ROUND), lastRound.get(Metrics.ROUND))) {
            lastRound.forEach(out::putIfAbsent);
        }
        return out;
    }

    /** The values the gauges read (for tests). */
    static Map<String, Object> lastRound() {
        return lastRound;
    }

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public void registerMetrics(String appId, PluginContext context) {
                lastRound = Map.of();
                lastCheckpointNanos = 0;
                MetricRegistry registry = context.metricRegistry();
                field(registry, "round", Metrics.ROUND);
                field(registry, "epoch", Metrics.EPOCH);
                field(registry, "chars_trained", Metrics.CHARS);
                field(registry, "chars_per_second", Metrics.CHARS_PER_SEC);
                field(registry, "train_loss", Metrics.TRAIN_LOSS);
                field(registry, "validation_loss", Metrics.VAL_LOSS);
                field(registry, "round_seconds", Metrics.ROUND_SECONDS);
                field(registry, "windows_per_step", Metrics.WINDOWS_PER_STEP);
                field(registry, "worker_batch", Metrics.WORKER_BATCH);
                field(registry, "noise_scale", Metrics.NOISE_SCALE);
                registry.register("checkpoint_age_seconds", (Gauge<Double>) () -> lastCheckpointNanos == 0
                        ? Double.NaN : (System.nanoTime() - lastCheckpointNanos) / 1e9);
            }
        };
    }

    private static void field(MetricRegistry registry, String name, String key) {
        registry.register(name, (Gauge<Double>) () -> lastRound.get(key) instanceof Number n
                ? n.doubleValue() : Double.NaN);
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return null;
    }
}
