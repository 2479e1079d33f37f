package io.charrnn.spark;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.Cli;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a Spark shop watches a running job with: the training gauges in Spark's metrics system, read from the
 * driver's Prometheus endpoint (configured by conf/metrics.properties.template) while the job runs, and one job
 * group per round, which a user can cancel to end training with a checkpoint of the last completed round.
 */
class SparkMonitoringTest {
    static final String CANCELLED_GROUP = "charrnn-epoch-1-round-3";
    /** What the endpoint served when round 3 started, and the job groups seen, filled by {@link Watcher}. */
    static volatile String scraped;
    static final List<String> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Made and used once before the run: a JVM's first HTTP client takes long enough to start (hundreds of
     * milliseconds) that a cancelled run had stopped Spark, and its endpoint, before the first request left.
     */
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    /**
     * Registered through spark.extraListeners: when round 3's job starts it cancels its group until the job ends
     * (listeners hear of a job late, and a round may be over in a second), and reads the endpoint meanwhile.
     */
    public static final class Watcher extends SparkListener {
        private volatile int cancelledJob = -1;
        private volatile boolean ended;

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            String group = start.properties().getProperty("spark.jobGroup.id");
            groups.add(String.valueOf(group));
            if (CANCELLED_GROUP.equals(group) && cancelledJob < 0) {
                cancelledJob = start.jobId();
                SparkContext sc = SparkContext.getOrCreate();
                Thread canceller = new Thread(() -> {
                    while (!ended) {
                        sc.cancelJobGroup(group);
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                canceller.setDaemon(true);
                canceller.start();
                // The UI listens on every interface, but the host name in its URL resolved, now and then, to an
                // address that refused the connection here: ask the loopback address, and again after a refusal.
                URI endpoint = URI.create("http://127.0.0.1:" + URI.create(sc.uiWebUrl().get()).getPort()
                        + "/metrics/prometheus/");
                for (int attempt = 1; attempt <= 5; attempt++) {
                    try {
                        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(endpoint).build(),
                                HttpResponse.BodyHandlers.ofString());
                        scraped = "HTTP " + response.statusCode() + "\n" + response.body();
                        break;
                    } catch (Exception e) {
                        scraped = "failed (attempt " + attempt + " at " + endpoint + "): " + e;
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException stop) {
                            return;
                        }
                    }
                }
            }
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd end) {
            if (end.jobId() == cancelledJob) {
                ended = true;
            }
        }
    }

    private static List<String> trainArgs(Path corpus, Path output, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--corpus", corpus.toString(),
                "--output", output.toString(), "--hidden", "32", "--window", "100", "--seq-length", "25",
                "--batch-size", "8", "--averaging-frequency", "2", "--epochs", "1", "--checkpoint-every", "100",
                "--sample-chars", "0", "--conf", "spark.master=local[2]"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void theLossIsScrapedWhileTrainingAndACancelledRoundEndsWithACheckpointOfTheRoundBefore() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 50_000);
        Path run = dir.resolve("run");
        Path template = Path.of("conf/metrics.properties.template").toAbsolutePath();
        try { // warms the client up: a port nothing listens on
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (java.io.IOException refused) {
            // expected
        }
        Cli cancelled = Cli.run(trainArgs(corpus, run, "--conf", "spark.ui.enabled=true", "--conf",
                "spark.ui.port=0", "--conf", "spark.metrics.conf=" + template, "--conf",
                "spark.extraListeners=" + Watcher.class.getName()).toArray(String[]::new));

        assertEquals(1, cancelled.exitCode(), cancelled.toString());
        assertEquals(1, cancelled.err().strip().lines().count(), cancelled.err());
        assertTrue(cancelled.err().contains("round 3 of epoch 1 was cancelled (job group " + CANCELLED_GROUP + ")"),
                cancelled.err());
        assertTrue(cancelled.err().contains("the run stays at round 2, checkpoint ckpt_epoch0."), cancelled.err());
        assertTrue(groups.containsAll(List.of("charrnn-epoch-1-round-1", "charrnn-epoch-1-round-2",
                "charrnn-epoch-1-round-2-validation")), groups.toString());

        // The gauges showed round 2's line of metrics.jsonl while round 3 ran.
        List<String> lines = Files.readAllLines(run.resolve(RunDirectory.METRICS_FILE));
        assertTrue(lines.get(1).startsWith("{\"round\":2,"), lines.toString());
        assertEquals(2.0, gauge("round"), scraped);
        assertEquals(number(lines.get(1), "train_loss"), gauge("train_loss"), 1e-9, scraped);
        assertTrue(gauge("chars_per_second") > 0, scraped);
        assertEquals(8.0, gauge("worker_batch"), scraped);
        assertEquals(16.0, gauge("windows_per_step"), scraped);
        assertEquals(number(lines.get(1), "noise_scale"), gauge("noise_scale"), 1e-9, scraped);
        gauge("checkpoint_age_seconds");

        // The checkpoint of the last completed round, then a resume finishes the epoch.
        RunDirectory runDir = new RunDirectory(run.toUri().toString(), new Configuration());
        var latest = runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), true);
        assertEquals(2, latest.meta().progress().totalRounds());
        // One line per round: round 2's own line now names the checkpoint made of it after the cancel.
        assertEquals(List.of(1L, 2L), rounds(lines), lines.toString());
        assertTrue(lines.get(1).contains("\"checkpoint\":\"ckpt_epoch0."), lines.toString());
        Cli resumed = Cli.run(trainArgs(corpus, run, "--conf", "spark.ui.enabled=false").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(1, runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), true).meta().progress()
                .epoch());
        List<Long> all = rounds(Files.readAllLines(run.resolve(RunDirectory.METRICS_FILE)));
        assertEquals(all.stream().distinct().sorted().toList(), all, "each round once, in order: " + all);
    }

    private static List<Long> rounds(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank()).map(l -> (long) number(l, "round")).toList();
    }

    private static double gauge(String name) {
        assertNotNull(scraped, "round 3 never started");
        Matcher m = Pattern.compile("TrainingMetricsPlugin_" + name + "_Value\\{[^}]*\\} (\\S+)").matcher(scraped);
        assertTrue(m.find(), "no gauge " + name + " in " + scraped);
        return Double.parseDouble(m.group(1));
    }

    private static double number(String jsonLine, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":([-0-9.eE]+)").matcher(jsonLine);
        assertTrue(m.find(), jsonLine);
        return Double.parseDouble(m.group(1));
    }
}
