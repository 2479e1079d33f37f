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
                // schedule has the same rates in both, a wsd (the default) or cosine cycle ends where each run's
                // --epochs do.
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
        List<String> rounds = metricsLines("/runs/e2e").stream()
                .filter(l -> l.contains("\"scalar_kernel_workers\"")).toList();
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

    /**
     * Two executors lost, each while it runs a task of the job that matters: one in a training round, one in a
     * validation (the validation's cached windows go with it). The driver's monitoring API says which executor runs
     * a task of that job now; the driver's log then names the lost task's stage, so the test knows Spark re-ran a
     * task of exactly that job, not merely that some executor died.
     */
    @Test
    @Order(3)
    void trainingSurvivesTheLossOfAnExecutorInARoundAndInAValidation() throws Exception {
        String run = "/runs/fault";
        java.nio.file.Path log = logs.resolve("fault-train.log");
        int uiPort = DriverApi.freePort();
        List<String> command = new ArrayList<>(train(run, "2"));
        command.addAll(command.indexOf("--class"), List.of("--conf", "spark.ui.enabled=true", "--conf",
                "spark.ui.port=" + uiPort));
        Process job = script(command).redirectOutput(log.toFile()).start();
        DriverApi driver = new DriverApi(uiPort);
        int trainingStage;
        int validationStage;
        long validatedRound;
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            FileSystem fs = hdfs();
            Path metrics = new Path(run + "/metrics.jsonl");
            while (!fs.exists(metrics) || metricsLines(run).size() < 3) {
                assertTrue(job.isAlive(), "training ended early: " + tail(log));
                assertTrue(System.nanoTime() < deadline, "no progress: " + tail(log));
                Thread.sleep(200);
            }
            trainingStage = killAnExecutorRunning(driver, "charrnn: train epoch", job, log, deadline, run).stage();
            LostTask validation = killAnExecutorRunning(driver, "charrnn: validation loss", job, log, deadline, run);
            validationStage = validation.stage();
            validatedRound = validation.roundsDone() + 1;
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "training hung after the executors were killed");
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(output.contains("ExecutorLostFailure"), tail(log)); // the user's sign, as README's row 34 says
        // Spark reruns the lost tasks on another executor (spark.task.maxFailures), and the job goes on.
        assertEquals(0, job.exitValue(), "the job did not survive the executors' loss: " + tail(log));
        assertNotEquals(trainingStage, validationStage);
        assertFalse(output.contains("resuming from"), tail(log));
        RunDirectory faulted = new RunDirectory(HDFS + run, new Configuration());
        Checkpoint latest = faulted.load(faulted.pointer(RunDirectory.LATEST).orElseThrow(), true);
        // A rerun task starts from the same broadcast round start and data, so epoch 1 ends with exactly the bits
        // of the first test's run (the same settings but --epochs 1), which lost nothing, and every validation of
        // epoch 1 scored what that run's did.
        RunDirectory clean = new RunDirectory(HDFS + "/runs/e2e", new Configuration());
        String cleanEnd = clean.pointer(RunDirectory.LATEST).orElseThrow();
        assertTrue(faulted.checkpointNames().contains(cleanEnd), "epoch 1 ended otherwise: " + cleanEnd + " not in "
                + faulted.checkpointNames());
        io.charrnn.TrainingState.of(clean.load(cleanEnd, true)).assertSameAs(
                io.charrnn.TrainingState.of(faulted.load(cleanEnd, true)), "epoch 1 with executors lost");
        List<String> cleanLines = metricsLines("/runs/e2e");
        assertTrue(validatedRound <= cleanLines.size(), "the validation lost its executor in round " + validatedRound
                + ", after the first epoch's " + cleanLines.size() + ": nothing to compare its loss with");
        List<String> lines = metricsLines(run);
        for (int i = 0; i < cleanLines.size(); i++) {
            var expected = io.charrnn.common.Json.mapper().readTree(cleanLines.get(i));
            var actual = io.charrnn.common.Json.mapper().readTree(lines.get(i));
            assertEquals(expected.path("val_loss").asText(), actual.path("val_loss").asText(), "round " + (i + 1));
            assertEquals(expected.path("train_loss").asText(), actual.path("train_loss").asText(), "round " + (i + 1));
        }
        assertEquals(2, latest.meta().progress().epoch());
        assertEveryCheckpointLoads(run);
        assertEquals(latest.meta().progress().totalRounds(), lines.size());
    }

    /** A task lost with its executor: its stage, and the rounds the run had done when it was lost. */
    private record LostTask(int stage, long roundsDone) {
    }

    /** The lines of a run's metrics.jsonl on the test's HDFS, one a round. */
    private static List<String> metricsLines(String run) throws Exception {
        try (var in = hdfs().open(new Path(run + "/metrics.jsonl"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /**
     * Kills the executor that runs a task of the running job described as {@code description}, and returns that
     * task's stage and the rounds done before it once the driver's log says the task was lost with its executor (to
     * be run again). A task that ended between the question and the kill lost nothing: then the next such job is
     * tried.
     */
    private static LostTask killAnExecutorRunning(DriverApi driver, String description, Process job,
                                                  java.nio.file.Path log, long deadline, String run)
            throws Exception {
        while (true) {
            assertTrue(job.isAlive(), "training ended before an executor was lost in '" + description + "': "
                    + tail(log));
            assertTrue(System.nanoTime() < deadline, "no task of '" + description + "' seen running: " + tail(log));
            Optional<DriverApi.RunningTask> task = driver.runningTask(description);
            if (task.isEmpty()) {
                Thread.sleep(20);
                continue;
            }
            Optional<ProcessHandle> executor = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
                            && c.contains(state.toString()) && c.contains("--executor-id " + task.get().executor()
                            + " ")).orElse(false))
                    .findFirst();
            if (executor.isEmpty()) {
                continue; // gone already
            }
            long done = metricsLines(run).size(); // the round in progress is the next one
            executor.get().destroyForcibly();
            java.util.regex.Pattern lost = java.util.regex.Pattern.compile("Lost task \\S+ in stage "
                    + task.get().stage() + "\\.\\d+ .*ExecutorLostFailure");
            // The driver hears of a killed executor within a second (its connection drops); a miss is retried soon,
            // at the next such job, not a whole epoch later.
            long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < wait) {
                if (lost.matcher(Files.readString(log)).find()) {
                    return new LostTask(task.get().stage(), done);
                }
                Thread.sleep(100);
            }
        }
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
