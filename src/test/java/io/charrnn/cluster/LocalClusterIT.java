package io.charrnn.cluster;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real cluster path, end to end: submit/local-cluster.sh brings up HDFS (NameNode and DataNode processes) and a
 * Spark standalone cluster (Master and 2 Workers); the cluster jar is spark-submitted in client mode to train from
 * and checkpoint to HDFS, then to sample from the HDFS checkpoint; one executor is killed mid-training. Every step
 * is bounded in time; the cluster is brought down and its files deleted even when a step fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {
    private static final String HDFS = LocalCluster.HDFS;
    private static final String MASTER = "spark://127.0.0.1:7077";
    private static LocalCluster cluster;
    private static java.nio.file.Path state;
    private static java.nio.file.Path logs;

    private static ProcessBuilder script(List<String> command) {
        return cluster.script(command);
    }

    private static LocalCluster.Result runToEnd(String name, long minutes, List<String> command) throws Exception {
        return cluster.runToEnd(name, minutes, command);
    }

    private static String tail(java.nio.file.Path log) throws Exception {
        return LocalCluster.tail(log);
    }

    private static List<String> submit(String... args) {
        return LocalCluster.submit(List.of("--master", MASTER, "--deploy-mode", "client",
                "--conf", "spark.executor.memory=1g"), args);
    }

    private static List<String> train(String output, String epochs) {
        return submit("train", "--corpus", HDFS + "/corpora/prose.txt", "--output", HDFS + output,
                "--hidden", "64", "--window", "200", "--batch-size", "16", "--averaging-frequency", "2",
                "--epochs", epochs, "--checkpoint-every", "8", "--sample-chars", "0",
                // The executor-loss run's first epoch is compared with a one-epoch run's bit for bit: char-rnn's
                // schedule has the same rates in both, a cosine cycle ends where each run's --epochs do.
                "--lr-schedule", "step");
    }

    private static FileSystem hdfs() throws Exception {
        return LocalCluster.hdfs();
    }

    @BeforeAll
    static void up() throws Exception {
        cluster = LocalCluster.up("standalone");
        state = cluster.state;
        logs = cluster.logs;
        try (var out = hdfs().create(new Path("/corpora/prose.txt"))) {
            out.write(TestCorpora.prose(300_000).getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void down() throws Exception {
        cluster.down();
    }

    private static void assertEveryCheckpointLoads(String run) {
        RunDirectory dir = new RunDirectory(HDFS + run, new Configuration());
        assertFalse(dir.checkpointNames().isEmpty(), "no checkpoint in " + run);
        for (String name : dir.checkpointNames()) {
            assertDoesNotThrow(() -> dir.load(name, true), name);
        }
    }

    @Test
    @Order(1)
    void trainsOnTheClusterFromHdfsAndSamplesTheHdfsCheckpoint() throws Exception {
        LocalCluster.Result train = runToEnd("e2e-train", 8, train("/runs/e2e", "1"));
        assertEquals(0, train.exit(), train.output());
        assertTrue(train.output().contains("charrnn: trained 1.00 epochs"), train.output());
        FileSystem fs = hdfs();
        String[] files = Arrays.stream(fs.listStatus(new Path("/runs/e2e"))).map(s -> s.getPath().getName())
                .toArray(String[]::new);
        assertTrue(Arrays.asList(files).containsAll(List.of("latest", "best", "metrics.jsonl", "run.json")),
                Arrays.toString(files));
        assertTrue(Arrays.stream(files).noneMatch(n -> n.startsWith("_tmp") || n.equals("lock")),
                Arrays.toString(files));
        assertEveryCheckpointLoads("/runs/e2e");
        // Every worker of every round ran the vector LSTM kernel (the job gives executors conf/jvm-options).
        List<String> rounds = new String(fs.open(new Path("/runs/e2e/metrics.jsonl")).readAllBytes(),
                StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"scalar_kernel_workers\"")).toList();
        assertFalse(rounds.isEmpty(), "no round recorded its kernel");
        for (String line : rounds) {
            assertEquals(0, io.charrnn.common.Json.mapper().readTree(line).get("scalar_kernel_workers").asInt(),
                    line);
        }
        Checkpoint best = RunDirectory.resolve(HDFS + "/runs/e2e", new Configuration(), false);
        assertTrue(best.meta().progress().valLoss() < Math.log(best.meta().vocabulary().size()));

        LocalCluster.Result sample = runToEnd("e2e-sample", 3, submit("sample", "--checkpoint", HDFS + "/runs/e2e",
                "--length", "300", "--prime", "KING", "--seed", "1"));
        assertEquals(0, sample.exit(), sample.output());
        assertTrue(sample.output().contains("KING"), sample.output());
    }

    @Test
    @Order(2)
    void doctorFindsEveryExecutorOnTheVectorKernel() throws Exception {
        LocalCluster.Result doctor = runToEnd("doctor", 3, submit("doctor", "--output", HDFS + "/runs/doctor-check", "--json"));
        assertEquals(0, doctor.exit(), doctor.output());
        String json = doctor.output().lines().filter(l -> l.startsWith("{\"master\"")).findFirst()
                .orElseThrow(() -> new AssertionError(doctor.output()));
        var report = io.charrnn.common.Json.mapper().readTree(json);
        assertEquals(2, report.get("executors").size(), "both Workers' executors answered: " + json);
        for (var executor : report.get("executors")) {
            assertTrue(executor.get("vectorKernel").asBoolean(), "an executor runs the scalar kernel: " + json);
            assertEquals(List.of(), io.charrnn.common.Json.mapper().convertValue(executor.get("missingFlags"),
                    List.class), json);
        }
    }

    @Test
    @Order(3)
    void trainingSurvivesTheLossOfAnExecutor() throws Exception {
        String run = "/runs/fault";
        java.nio.file.Path log = logs.resolve("fault-train.log");
        Process job = script(train(run, "2")).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            FileSystem fs = hdfs();
            Path metrics = new Path(run + "/metrics.jsonl");
            while (!fs.exists(metrics) || new String(fs.open(metrics).readAllBytes()).lines().count() < 3) {
                assertTrue(job.isAlive(), "training ended early: " + tail(log));
                assertTrue(System.nanoTime() < deadline, "no progress: " + tail(log));
                Thread.sleep(200);
            }
            Optional<ProcessHandle> executor = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
                            && c.contains(state.toString())).orElse(false))
                    .findFirst();
            assertTrue(executor.isPresent(), "no executor process found");
            executor.get().destroyForcibly();
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "training hung after the executor was killed");
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(output.contains("Lost executor") || output.contains("ExecutorLostFailure"), tail(log));
        // Spark reruns the lost tasks on the other executor (spark.task.maxFailures), and the job goes on.
        assertEquals(0, job.exitValue(), "the job did not survive the executor's loss: " + tail(log));
        assertFalse(output.contains("resuming from"), tail(log));
        RunDirectory faulted = new RunDirectory(HDFS + run, new Configuration());
        Checkpoint latest = faulted.load(faulted.pointer(RunDirectory.LATEST).orElseThrow(), true);
        // A rerun task starts from the same broadcast round start and data, so epoch 1 ends with exactly the bits
        // of the first test's run (the same settings but --epochs 1), which lost nothing.
        RunDirectory clean = new RunDirectory(HDFS + "/runs/e2e", new Configuration());
        String cleanEnd = clean.pointer(RunDirectory.LATEST).orElseThrow();
        assertTrue(faulted.checkpointNames().contains(cleanEnd), "epoch 1 ended otherwise: " + cleanEnd + " not in "
                + faulted.checkpointNames());
        io.charrnn.TrainingState.of(clean.load(cleanEnd, true)).assertSameAs(
                io.charrnn.TrainingState.of(faulted.load(cleanEnd, true)), "epoch 1 with an executor lost");
        assertEquals(2, latest.meta().progress().epoch());
        assertEveryCheckpointLoads(run);
        List<String> lines = new String(hdfs().open(new Path(run + "/metrics.jsonl")).readAllBytes()).lines().toList();
        assertEquals(latest.meta().progress().totalRounds(), lines.size());
    }

    @Test
    @Order(4)
    void preparesOnTheClusterAndTrainsFromTheDatasetAlone() throws Exception {
        FileSystem fs = hdfs();
        String text = TestCorpora.prose(300_000);
        try (var out = fs.create(new Path("/corpora/many/a.txt"))) {
            out.write(text.substring(0, 150_000).getBytes(StandardCharsets.UTF_8));
        }
        try (var out = new java.util.zip.GZIPOutputStream(fs.create(new Path("/corpora/many/b.txt.gz")))) {
            out.write(text.substring(150_000).getBytes(StandardCharsets.UTF_8));
        }
        LocalCluster.Result prepare = runToEnd("prepare", 5, submit("prepare", "--corpus", HDFS + "/corpora/many", "--output",
                HDFS + "/datasets/many", "--val-fraction", "0.2", "--json"));
        assertEquals(0, prepare.exit(), prepare.output());
        String json = prepare.output().lines().filter(l -> l.startsWith("{\"up_to_date\"")).findFirst()
                .orElseThrow(() -> new AssertionError(prepare.output()));
        var figures = io.charrnn.common.Json.mapper().readTree(json);
        assertEquals(text.codePoints().count(), figures.get("symbols").asLong(), json);
        // An executor JVM running Spark is never under 100 MB: a figure below it was not measured.
        assertTrue(figures.get("executor_peak_rss_mb").asLong() >= 100, json);

        // The raw text is gone: training can only read the dataset.
        assertTrue(fs.delete(new Path("/corpora/many"), true));
        LocalCluster.Result train = runToEnd("dataset-train", 8, submit("train", "--corpus", HDFS + "/datasets/many",
                "--output", HDFS + "/runs/dataset", "--hidden", "64", "--window", "200", "--batch-size", "16",
                "--averaging-frequency", "2", "--epochs", "1", "--checkpoint-every", "8", "--sample-chars", "0"));
        assertEquals(0, train.exit(), train.output());
        assertTrue(train.output().contains("charrnn: trained 1.00 epochs"), train.output());
        assertEveryCheckpointLoads("/runs/dataset");
    }
}
