package io.charrnn.spark;

import io.charrnn.ChildJvm;
import io.charrnn.MiniHdfs;
import io.charrnn.S3Server;
import io.charrnn.TestCorpora;
import io.charrnn.TrainingState;
import io.charrnn.checkpoint.FaultPoints;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.Cli;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A training job in a real child JVM is killed with SIGKILL between checkpoints and in the middle of a checkpoint
 * write; re-running the same command resumes from the last good checkpoint, no partial file ever appears under a
 * final name, and the run ends with exactly the parameters, optimizer state and outer velocity of an uninterrupted
 * run, compared as raw float bits.
 */
class KillAndResumeTest {
    @TempDir
    static Path shared;
    private static Path corpus;
    /** One uninterrupted run of {@link #trainArgs}, what every killed run must end as. */
    private static Path reference;

    @TempDir
    Path dir;
    /** What the harness reads the runs with: the defaults, and where an S3 test runs, how s3a reaches its server. */
    private static Configuration hadoop = new Configuration();

    @BeforeAll
    static void trainTheUninterruptedRun() throws Exception {
        corpus = TestCorpora.writeProse(shared, 50_000);
        reference = shared.resolve("reference");
        Cli uninterrupted = Cli.run(trainArgs(corpus, reference).toArray(String[]::new));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.toString());
    }

    private static List<String> trainArgs(Path corpus, Path output) {
        return trainArgs(corpus, output.toUri().toString());
    }

    private static List<String> trainArgs(Path corpus, String output) {
        return List.of("train", "--corpus", corpus.toString(), "--output", output,
                // One DataNode in the HDFS test: appends (metrics.jsonl) need a replication it can meet.
                "--conf", "spark.hadoop.dfs.replication=1",
                "--hidden", "32", "--window", "100", "--seq-length", "25", "--batch-size", "8",
                "--averaging-frequency", "2", "--epochs", "2", "--checkpoint-every", "2", "--sample-chars", "0",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Every checkpoint under a final name must load completely. */
    private static void assertEveryCheckpointLoads(String run) {
        RunDirectory dirOfRun = new RunDirectory(run, hadoop);
        for (String name : dirOfRun.checkpointNames()) {
            assertDoesNotThrow(() -> dirOfRun.load(name, true), "partial or damaged checkpoint " + name);
        }
    }

    @Test
    void killedRunsResumeToExactlyTheUninterruptedResult() throws Exception {
        Path run = dir.resolve("killed");
        String runUri = run.toUri().toString();
        Path metrics = run.resolve(RunDirectory.METRICS_FILE);

        // 1. Kill between checkpoints: after round 3 (the checkpoint of round 2 is on disk).
        ChildJvm first = ChildJvm.start(dir, trainArgs(corpus, run));
        first.await(() -> lines(metrics) >= 3, "round 3");
        first.kill();
        assertEveryCheckpointLoads(runUri);
        assertTrue(Files.exists(run.resolve("lock")), "a killed job cannot remove its lock");

        // 2. Kill in the middle of a checkpoint write: the temporary file exists, the final name does not.
        ChildJvm second = ChildJvm.start(dir, trainArgs(corpus, run),
                "-D" + FaultPoints.PAUSE_BEFORE_RENAME + "=ckpt_:60000");
        second.await(() -> allNames(runUri).stream().anyMatch(n -> n.startsWith("_tmp.ckpt_")), "a checkpoint write");
        String temporary = allNames(runUri).stream().filter(n -> n.startsWith("_tmp.ckpt_")).findFirst().orElseThrow();
        String finalName = temporary.substring("_tmp.".length(), temporary.indexOf(".zip.") + 4);
        second.kill();
        assertFalse(Files.exists(run.resolve(finalName)), "a half-written checkpoint is visible as " + finalName);
        assertEveryCheckpointLoads(runUri);

        // 3. The same command again finishes the run, taking over the dead job's lock and cleaning up.
        ChildJvm third = ChildJvm.start(dir, trainArgs(corpus, run));
        assertTrue(third.process().waitFor(5, TimeUnit.MINUTES), "the resumed run did not finish");
        assertEquals(0, third.process().exitValue(), "resumed run failed; its log ends:\n" + third.tail());
        String log = Files.readString(third.log());
        assertTrue(log.contains("taking over the lock") && log.contains("is gone"), log);
        assertTrue(log.contains("removed 1 temporary file"), log);
        // It resumed from the checkpoint of round 2, not from scratch (which would also end with equal weights).
        assertTrue(log.contains("resuming from ckpt_epoch0."), log);
        assertFalse(allNames(runUri).stream().anyMatch(n -> n.startsWith("_tmp.")), "temporary files left");
        assertFalse(Files.exists(run.resolve("lock")), "the lock was not released");

        RunDirectory a = new RunDirectory(reference.toUri().toString(), hadoop);
        RunDirectory b = new RunDirectory(run.toUri().toString(), hadoop);
        assertEquals(a.pointer(RunDirectory.LATEST).orElseThrow(), b.pointer(RunDirectory.LATEST).orElseThrow(),
                "same final epoch and validation loss");
        TrainingState expected = TrainingState.latest(reference);
        assertNotNull(expected.outerVelocity(), "2 workers train with the outer optimizer's momentum by default");
        expected.assertSameAs(TrainingState.latest(run), "the resumed run");
        assertEquals(lines(reference.resolve(RunDirectory.METRICS_FILE)), lines(metrics));
    }

    /**
     * Each job of one run is killed with SIGKILL at another step of its file writes (FaultPoints: after a replace's
     * temporary file is synced, after its rename, in the middle of an appended metrics line, after an append; the
     * first one before the run's first checkpoint), and
     * the next job resumes. After every kill no file the run had is missing, every checkpoint under its final name
     * loads and the pointers name such checkpoints; the last job ends with the uninterrupted run's exact bits and
     * every round's metrics line once.
     */
    @Test
    void killsBetweenTheStepsOfEveryKindOfWriteLoseNothing() throws Exception {
        // The first job dies after round 1's metrics line: run.json is there, no checkpoint yet (a nightly job killed
        // in its first pass over a large corpus); the next one starts the run again in place, and dies after round
        // 2's metrics line, before that round's checkpoint (a line with no checkpoint, which the next job redoes).
        killAtEachPointThenFinish(dir, dir.resolve("killed").toUri().toString(), FaultPoints.APPEND_DONE + ":1",
                FaultPoints.APPEND_DONE + ":2", FaultPoints.REPLACE_WRITTEN + ":1",
                FaultPoints.APPEND_TORN + ":2", FaultPoints.REPLACE_RENAMED + ":2", FaultPoints.REPLACE_WRITTEN + ":3",
                FaultPoints.APPEND_TORN + ":1", FaultPoints.REPLACE_RENAMED + ":1", FaultPoints.APPEND_DONE + ":3",
                FaultPoints.REPLACE_WRITTEN + ":2");
    }

    /**
     * The same on HDFS (a MiniDFSCluster that the child JVMs reach over its RPC port), where a replace is a rename;
     * twice after a whole metrics line is appended and synced but before its file is closed, which leaves the file
     * open under the dead job's lease: the line's round has no checkpoint yet (a round's line comes first), so the
     * next job drops it by replacing the file whole, a rename over a file still open, which HDFS allows.
     */
    @Test
    void killsDuringWritesOnHdfsLoseNothing() throws Exception {
        org.apache.hadoop.hdfs.MiniDFSCluster hdfs = MiniHdfs.start();
        try {
            killAtEachPointThenFinish(dir, MiniHdfs.uri(hdfs) + "/runs/killed", FaultPoints.REPLACE_WRITTEN + ":1",
                    FaultPoints.APPEND_TORN + ":2", FaultPoints.APPEND_UNCLOSED + ":1",
                    FaultPoints.REPLACE_RENAMED + ":2", FaultPoints.APPEND_UNCLOSED + ":2",
                    FaultPoints.APPEND_DONE + ":1");
        } finally {
            hdfs.shutdown();
        }
    }

    /**
     * The same on S3 (an S3 API server that the child JVMs reach through s3a), where there is no rename: a file is
     * uploaded under its name and appears whole when the upload completes, the lock is a conditional upload, and
     * metrics.jsonl is uploaded whole each round. Kills after a file's bytes are written but before its upload is
     * completed, and after it, from the first round on.
     */
    @Test
    void killsDuringWritesOnS3LoseNothing() throws Exception {
        S3Server s3 = S3Server.shared();
        hadoop = s3.configuration();
        try {
            killAtEachPointThenFinish(dir, s3.uri("runs/killed-" + System.nanoTime()), s3.confArgs(),
                    FaultPoints.REPLACE_WRITTEN + ":1", FaultPoints.REPLACE_RENAMED + ":2",
                    FaultPoints.REPLACE_WRITTEN + ":4", FaultPoints.REPLACE_RENAMED + ":5",
                    FaultPoints.REPLACE_WRITTEN + ":3");
        } finally {
            hadoop = new Configuration();
        }
    }

    private static void killAtEachPointThenFinish(Path logs, String run, String... kills) throws Exception {
        killAtEachPointThenFinish(logs, run, List.of(), kills);
    }

    private static void killAtEachPointThenFinish(Path logs, String run, List<String> extra, String... kills)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(trainArgs(corpus, run));
        args.addAll(extra);
        for (String kill : kills) {
            java.util.Set<String> before = finalNames(run);
            ChildJvm job = ChildJvm.start(logs, args, "-D" + FaultPoints.PROPERTY + "=" + kill);
            assertTrue(job.process().waitFor(5, TimeUnit.MINUTES), "the job did not end");
            assertEquals(137, job.process().exitValue(), "expected a SIGKILL at " + kill + "; log:\n" + job.tail());
            java.util.Set<String> after = finalNames(run);
            assertTrue(after.containsAll(before), "after a kill at " + kill + " files went missing: " + before
                    + " -> " + after);
            assertEveryCheckpointLoads(run);
            RunDirectory runDir = new RunDirectory(run, hadoop);
            for (String pointer : new String[]{RunDirectory.LATEST, RunDirectory.BEST}) {
                runDir.pointer(pointer).ifPresent(name -> assertTrue(after.contains(name),
                        pointer + " names a missing " + name + " after a kill at " + kill));
            }
        }
        ChildJvm last = ChildJvm.start(logs, args);
        assertTrue(last.process().waitFor(5, TimeUnit.MINUTES), "the last job did not finish");
        assertEquals(0, last.process().exitValue(), last.tail());
        assertTrue(finalNames(run).containsAll(allNames(run)), "temporary files left: " + allNames(run));

        assertEndedAsTheReference(run, "the run killed " + kills.length + " times");
    }

    /** The run ended with the uninterrupted run's exact state, and every round's metrics line once, in order. */
    private static void assertEndedAsTheReference(String run, String what) throws java.io.IOException {
        assertEveryCheckpointLoads(run);
        RunDirectory runDir = new RunDirectory(run, hadoop);
        TrainingState.latest(reference).assertSameAs(TrainingState.of(runDir.load(
                runDir.pointer(RunDirectory.LATEST).orElseThrow(), true)), what);
        List<String> metrics = new String(read(run, RunDirectory.METRICS_FILE), java.nio.charset.StandardCharsets.UTF_8)
                .lines().toList();
        assertEquals(lines(reference.resolve(RunDirectory.METRICS_FILE)), metrics.size(), what + ": " + metrics);
        for (int i = 0; i < metrics.size(); i++) {
            assertTrue(metrics.get(i).startsWith("{\"round\":" + (i + 1) + ","), what + ", line " + (i + 1) + ": "
                    + metrics.get(i));
        }
    }

    /** The last line a job printed: its one line to the user. */
    private static String lastLine(ChildJvm job) throws java.io.IOException {
        List<String> lines = Files.readAllLines(job.log());
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static long lines(String run, String name) {
        try {
            return fileSystem(run).exists(new org.apache.hadoop.fs.Path(run, name))
                    ? new String(read(run, name), java.nio.charset.StandardCharsets.UTF_8).lines().count() : 0;
        } catch (java.io.IOException e) {
            return 0; // the NameNode is restarting: asked again
        }
    }

    /**
     * The NameNode restarts under a running job (its RPC port unreachable, then in safe mode until the DataNode has
     * reported): the job waits it out, and ends exactly as an uninterrupted run.
     */
    @Test
    void aNameNodeRestartUnderARunningJobLosesNothing() throws Exception {
        org.apache.hadoop.hdfs.MiniDFSCluster hdfs = MiniHdfs.start();
        try {
            String run = MiniHdfs.uri(hdfs) + "/runs/restarted";
            ChildJvm job = ChildJvm.start(dir, trainArgs(corpus, run));
            job.await(() -> lines(run, RunDirectory.METRICS_FILE) >= 3, "round 3");
            hdfs.restartNameNode(true);
            assertTrue(job.process().waitFor(5, TimeUnit.MINUTES), "the job hung after the restart");
            assertEquals(0, job.process().exitValue(), "the job did not ride the restart out; its log ends:\n"
                    + job.tail());
            assertTrue(Files.readString(job.log()).contains("the filesystem may be restarting; trying again"),
                    "the job never waited: the restart missed it\n" + job.tail());
            assertEndedAsTheReference(run, "a run whose NameNode restarted");
        } finally {
            hdfs.shutdown();
        }
    }

    /**
     * A DataNode dies under a running job whose files it holds (two DataNodes, each block on both): the job's writes
     * go on with the DataNode that is left, and the run ends exactly as an uninterrupted one.
     */
    @Test
    void aDataNodeLostUnderARunningJobLosesNothing() throws Exception {
        org.apache.hadoop.hdfs.MiniDFSCluster hdfs = MiniHdfs.start(2);
        try {
            String run = MiniHdfs.uri(hdfs) + "/runs/datanode";
            List<String> args = new java.util.ArrayList<>(trainArgs(corpus, run));
            args.addAll(List.of("--conf", "spark.hadoop.dfs.replication=2"));
            ChildJvm job = ChildJvm.start(dir, args);
            job.await(() -> lines(run, RunDirectory.METRICS_FILE) >= 3, "round 3");
            hdfs.stopDataNode(0);
            assertTrue(job.process().waitFor(5, TimeUnit.MINUTES), "the job hung after losing a DataNode");
            assertEquals(0, job.process().exitValue(), "the job did not go on without the DataNode; its log ends:\n"
                    + job.tail());
            assertEndedAsTheReference(run, "a run that lost a DataNode");
        } finally {
            hdfs.shutdown();
        }
    }

    /**
     * The output filesystem fills up (an HDFS space quota on the run's directory, reached mid-run): the job stops
     * with one line that says to make room; no checkpoint or pointer is damaged, and once there is room the same
     * command ends the run exactly as an uninterrupted one.
     */
    @Test
    void aFullFilesystemStopsTheJobWithOneLineAndTheRunGoesOnOnceThereIsRoom() throws Exception {
        org.apache.hadoop.hdfs.MiniDFSCluster hdfs = MiniHdfs.start();
        try {
            var fs = hdfs.getFileSystem();
            String run = MiniHdfs.uri(hdfs) + "/runs/full";
            org.apache.hadoop.fs.Path dirPath = new org.apache.hadoop.fs.Path("/runs/full");
            List<String> args = new java.util.ArrayList<>(trainArgs(corpus, run));
            // A file being written holds a whole block of the quota: small blocks let it fill a little at a time.
            args.addAll(List.of("--conf", "spark.hadoop.dfs.blocksize=1048576"));
            ChildJvm job = ChildJvm.start(dir, args);
            job.await(() -> lines(run, RunDirectory.METRICS_FILE) >= 3, "round 3");
            long used = fs.getContentSummary(dirPath).getSpaceConsumed();
            fs.setQuota(dirPath, org.apache.hadoop.hdfs.protocol.HdfsConstants.QUOTA_DONT_SET, used + (3L << 20) / 2);
            assertTrue(job.process().waitFor(5, TimeUnit.MINUTES), "the job hung on a full filesystem");
            assertEquals(1, job.process().exitValue(), job.tail());
            String line = lastLine(job);
            assertTrue(line.startsWith("charrnn: failed: DSQuotaExceededException: The DiskSpace quota of /runs/full is"
                    + " exceeded") && line.contains("make room"), job.tail());
            assertEveryCheckpointLoads(run);
            RunDirectory runDir = new RunDirectory(run, hadoop);
            for (String pointer : new String[]{RunDirectory.LATEST, RunDirectory.BEST}) {
                runDir.pointer(pointer).ifPresent(name -> assertTrue(finalNames(run).contains(name), pointer));
            }

            fs.setQuota(dirPath, org.apache.hadoop.hdfs.protocol.HdfsConstants.QUOTA_DONT_SET,
                    org.apache.hadoop.hdfs.protocol.HdfsConstants.QUOTA_RESET);
            ChildJvm again = ChildJvm.start(dir, args);
            assertTrue(again.process().waitFor(5, TimeUnit.MINUTES), "the rerun did not finish");
            assertEquals(0, again.process().exitValue(), again.tail());
            assertEndedAsTheReference(run, "a run that filled its filesystem");
        } finally {
            hdfs.shutdown();
        }
    }

    /**
     * A driver paused (SIGSTOP: a stopped VM, a swap storm) in the middle of a checkpoint write for longer than the
     * lock's stale time: the next job takes the run over and finishes it; the paused one, continued, finds that
     * before it renames anything and stops with one line, leaving the other's run as it was.
     */
    @Test
    void aDriverPausedPastTheStaleTimeStopsWithoutTouchingTheRunThatWasTakenOver() throws Exception {
        Path run = dir.resolve("paused");
        String runUri = run.toUri().toString();
        List<String> args = new java.util.ArrayList<>(trainArgs(corpus, run));
        args.addAll(List.of("--lock-stale-minutes", "0.1"));
        ChildJvm paused = ChildJvm.start(dir, args, "-D" + FaultPoints.PAUSE_BEFORE_RENAME + "=ckpt_:5000");
        paused.await(() -> allNames(runUri).stream().anyMatch(n -> n.startsWith("_tmp.ckpt_")), "a checkpoint write");
        signal("STOP", paused);
        java.util.Set<String> before;
        try {
            Thread.sleep(7_000); // past the stale time of 6 s
            ChildJvm next = ChildJvm.start(dir, args);
            assertTrue(next.process().waitFor(5, TimeUnit.MINUTES), "the job that took over did not finish");
            assertEquals(0, next.process().exitValue(), next.tail());
            assertTrue(Files.readString(next.log()).contains("taking over the lock"), next.tail());
            before = finalNames(runUri);
        } finally {
            signal("CONT", paused);
        }
        assertTrue(paused.process().waitFor(2, TimeUnit.MINUTES), "the paused job did not stop");
        assertEquals(1, paused.process().exitValue(), paused.tail());
        // Continued, it knows by its own monotonic clock that it went unrenewed past the stale time.
        assertTrue(lastLine(paused).startsWith("charrnn: stopped: the lock of ") && lastLine(paused).contains(
                "(this job was stopped or stalled), so another job may have taken it over"), paused.tail());
        assertEquals(before, finalNames(runUri), "the paused job wrote after it lost the run");
        assertFalse(allNames(runUri).stream().anyMatch(n -> n.startsWith("_tmp.ckpt_")), allNames(runUri).toString());
        assertEndedAsTheReference(runUri, "a run taken over from a paused job");
    }

    private static void signal(String signal, ChildJvm job) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(job.process().pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }

    private static org.apache.hadoop.fs.FileSystem fileSystem(String run) throws java.io.IOException {
        return new org.apache.hadoop.fs.Path(run).getFileSystem(hadoop);
    }

    private static byte[] read(String run, String name) throws java.io.IOException {
        try (var in = fileSystem(run).open(new org.apache.hadoop.fs.Path(run, name))) {
            return in.readAllBytes();
        }
    }

    /** Every name in the run directory, on any filesystem (none before the first job creates it). */
    private static java.util.Set<String> allNames(String run) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try {
            org.apache.hadoop.fs.FileSystem fs = fileSystem(run);
            org.apache.hadoop.fs.Path dirPath = new org.apache.hadoop.fs.Path(run);
            if (fs.exists(dirPath)) {
                for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(dirPath)) {
                    out.add(s.getPath().getName());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** The names a reader trusts: everything but temporary files and the lock's own. */
    private static java.util.Set<String> finalNames(String run) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String n : allNames(run)) {
            if (!n.startsWith("_tmp.") && !n.startsWith("lock")) {
                out.add(n);
            }
        }
        return out;
    }
}
