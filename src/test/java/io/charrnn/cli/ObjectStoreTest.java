package io.charrnn.cli;

import io.charrnn.S3Server;
import io.charrnn.TestCorpora;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Corpora, datasets and runs on S3, through s3a against a real S3 API server ({@link S3Server}): what a user on an
 * object store does, end to end, and what is refused there. Kills and concurrent starts on S3 are in
 * KillAndResumeTest and ConcurrentTrainTest.
 */
class ObjectStoreTest {
    @TempDir
    java.nio.file.Path dir;

    private static Cli charrnn(S3Server s3, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(s3.confArgs());
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void aCorpusOnS3IsPreparedTrainedOnEvaluatedAndSampledThere() throws Exception {
        S3Server s3 = S3Server.shared();
        String base = "store-" + System.nanoTime();
        s3.put(TestCorpora.writeProse(dir, 200_000), base + "/corpus/prose.txt");
        String corpus = s3.uri(base + "/corpus");
        String dataset = s3.uri(base + "/dataset");
        String run = s3.uri(base + "/run");

        Cli prepare = charrnn(s3, "prepare", "--corpus", corpus, "--output", dataset,
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, prepare.exitCode(), prepare.toString());
        // Runs need conditional uploads: Hadoop 3.3's s3a (the spark-3.5 build) reads and prepares corpora only.
        org.junit.jupiter.api.Assumptions.assumeTrue(new Path(run).getFileSystem(s3.configuration())
                .hasPathCapability(new Path(run), "fs.option.create.conditional.overwrite"), "no conditional uploads");
        Cli train = charrnn(s3, "train", "--corpus", dataset, "--output", run, "--hidden", "32", "--window", "100",
                "--seq-length", "25", "--batch-size", "8", "--epochs", "1", "--checkpoint-every", "2",
                "--sample-chars", "50", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, train.exitCode(), train.toString());
        assertTrue(train.err().contains("charrnn: trained 1.00 epochs"), train.toString());

        FileSystem fs = new Path(run).getFileSystem(s3.configuration());
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(new Path(run))) {
            names.add(s.getPath().getName());
        }
        assertTrue(names.containsAll(List.of("run.json", "metrics.jsonl", "samples.jsonl", "latest", "best")),
                names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("ckpt_epoch1.00")), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.startsWith("_tmp.") || n.startsWith("lock")),
                "temporary files or the lock left: " + names);

        Cli eval = charrnn(s3, "eval", "--checkpoint", run, "--corpus", dataset, "--split", "validation",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, eval.exitCode(), eval.toString());
        Cli sample = charrnn(s3, "sample", "--checkpoint", run, "--length", "200", "--seed", "7");
        assertEquals(0, sample.exitCode(), sample.toString());
        assertTrue(sample.out().strip().length() >= 100, sample.toString());
    }

    /**
     * A client that cannot upload only if absent (here s3a with conditional writes switched off; Hadoop 3.3's s3a,
     * the spark-3.5 build's, has none at all) cannot keep a run to one writer: train refuses the output in one line
     * before anything is written, and names what to use instead.
     */
    @Test
    void aRunOnAStoreWithoutConditionalUploadsIsRefusedInOneLine() throws Exception {
        S3Server s3 = S3Server.shared();
        java.nio.file.Path corpus = TestCorpora.writeProse(dir, 20_000);
        String run = s3.uri("refused-" + System.nanoTime() + "/run");
        Cli train = charrnn(s3, "train", "--corpus", corpus.toString(), "--output", run, "--hidden", "16",
                "--epochs", "1", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false",
                // Its own filesystem instance: Hadoop's cache would give the one made with the server's settings.
                "--conf", "spark.hadoop.fs.s3a.create.conditional.enabled=false",
                "--conf", "spark.hadoop.fs.s3a.impl.disable.cache=true");
        assertTrue(train.isOneLineUserError(), train.toString());
        assertTrue(train.err().contains("cannot upload a file only if it is absent")
                && train.err().contains("write the run to HDFS"), train.toString());
        Cli doctor = charrnn(s3, "doctor", "--output", run, "--conf", "spark.master=local[1]",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.hadoop.fs.s3a.create.conditional.enabled=false",
                "--conf", "spark.hadoop.fs.s3a.impl.disable.cache=true");
        assertEquals(2, doctor.exitCode(), doctor.toString());
        assertTrue(doctor.out().contains("cannot upload a file only if it is absent"), "doctor says so before a run: "
                + doctor);
        FileSystem fs = new Path(run).getFileSystem(s3.configuration());
        assertFalse(fs.exists(new Path(run, "run.json")), "the refused run wrote run.json");
        assertFalse(fs.exists(new Path(run, "lock")), "the refused run left a lock");
    }

    /**
     * A store that accepts a conditional upload over an existing object (S3Proxy 2.6 does, as some S3-compatible
     * stores do) would let two jobs both take the lock: the job finds that out by uploading a probe twice, and
     * refuses the output in one line.
     */
    @Test
    void aRunOnAStoreThatIgnoresConditionalUploadsIsRefusedInOneLine() throws Exception {
        S3Server s3 = S3Server.sharedIgnoringConditionalWrites();
        java.nio.file.Path corpus = TestCorpora.writeProse(dir, 20_000);
        String run = s3.uri("ignored-" + System.nanoTime() + "/run");
        org.junit.jupiter.api.Assumptions.assumeTrue(new Path(run).getFileSystem(s3.configuration())
                .hasPathCapability(new Path(run), "fs.option.create.conditional.overwrite"), "no conditional uploads");
        Cli train = charrnn(s3, "train", "--corpus", corpus.toString(), "--output", run, "--hidden", "16",
                "--epochs", "1", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertTrue(train.isOneLineUserError(), train.toString());
        assertTrue(train.err().contains("does not honour conditional uploads"), train.toString());
        FileSystem fs = new Path(run).getFileSystem(s3.configuration());
        assertFalse(fs.exists(new Path(run, "run.json")), "the refused run wrote run.json");
        assertFalse(fs.exists(new Path(run, "lock")), "the refused run left a lock");
        for (FileStatus s : fs.listStatus(new Path(run).getParent())) {
            assertFalse(s.getPath().getName().startsWith("_tmp."), "a probe was left: " + s.getPath());
        }
    }
}
