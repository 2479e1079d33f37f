package io.charrnn.cli;

import io.charrnn.ChildJvm;
import io.charrnn.MiniHdfs;
import io.charrnn.S3Server;
import io.charrnn.TestCorpora;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Jobs started at the same moment on one new run directory, as a user (or two schedulers) would: exactly one trains,
 * the others are refused with one line and exit code 2, and the run holds one run's history. On a local disk, on
 * HDFS and on S3, whose create-if-absent (O_EXCL, the NameNode's create, S3's conditional upload) the lock relies
 * on.
 */
class ConcurrentTrainTest {
    @TempDir
    Path dir;

    @Test
    void ofJobsStartedAtOnceOnOneDirectoryExactlyOneTrains() throws Exception {
        startAtOnceAndCheckThatOneTrains(dir.resolve("run").toUri().toString(), new Configuration());
    }

    @Test
    void ofJobsStartedAtOnceOnOneHdfsDirectoryExactlyOneTrains() throws Exception {
        MiniDFSCluster hdfs = MiniHdfs.start();
        try {
            // One DataNode: appends (metrics.jsonl) need a replication it can meet.
            startAtOnceAndCheckThatOneTrains(MiniHdfs.uri(hdfs) + "/runs/run", new Configuration(), "--conf",
                    "spark.hadoop.dfs.replication=1");
        } finally {
            hdfs.shutdown();
        }
    }

    @Test
    void ofJobsStartedAtOnceOnOneS3DirectoryExactlyOneTrains() throws Exception {
        S3Server s3 = S3Server.shared();
        startAtOnceAndCheckThatOneTrains(s3.uri("runs/concurrent-" + System.nanoTime()), s3.configuration(),
                s3.confArgs().toArray(String[]::new));
    }

    private void startAtOnceAndCheckThatOneTrains(String output, Configuration hadoop, String... extra)
            throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 30_000);
        List<String> args = new ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--output", output,
                "--hidden", "16", "--window", "100", "--seq-length", "25", "--batch-size", "8", "--epochs", "1",
                "--sample-chars", "0", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false"));
        args.addAll(List.of(extra));
        List<ChildJvm> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(ChildJvm.start(dir, args));
        }
        int trained = 0;
        for (ChildJvm job : jobs) {
            assertTrue(job.process().waitFor(4, TimeUnit.MINUTES), "a job did not end");
            String log = Files.readString(job.log());
            if (job.process().exitValue() == 0) {
                trained++;
                assertTrue(log.contains("charrnn: trained 1.00 epochs"), job.tail());
            } else {
                assertEquals(2, job.process().exitValue(), job.tail());
                assertTrue(log.contains("is locked by a running job") || log.contains("is being taken over"),
                        job.tail());
                assertFalse(log.contains("\tat "), "no stack trace for a refused job:\n" + job.tail());
            }
        }
        assertEquals(1, trained, "exactly one job trains");
        org.apache.hadoop.fs.Path run = new org.apache.hadoop.fs.Path(output);
        FileSystem fs = run.getFileSystem(hadoop);
        List<String> metrics;
        try (var in = fs.open(new org.apache.hadoop.fs.Path(run, "metrics.jsonl"))) {
            metrics = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertFalse(metrics.isEmpty());
        for (int i = 0; i < metrics.size(); i++) {
            assertTrue(metrics.get(i).contains("\"round\":" + (i + 1) + ","), "round " + (i + 1) + " once: "
                    + metrics.get(i));
        }
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(run, "lock")), "the lock is released");
    }
}
