package io.charrnn.spark;

import io.charrnn.MiniHdfs;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.CheckpointName;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.Cli;
import io.charrnn.model.Sampler;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole path on real parts: a corpus on an in-process HDFS, training on local[2] Spark through the command
 * line, checkpoints on HDFS, restored and sampled.
 */
class HdfsTrainingTest {
    private static MiniDFSCluster hdfs;
    private static String root;

    @BeforeAll
    static void startHdfs() throws Exception {
        hdfs = MiniHdfs.start();
        root = MiniHdfs.uri(hdfs);
        FileSystem fs = hdfs.getFileSystem();
        try (FSDataOutputStream out = fs.create(new Path("/corpora/prose.txt"))) {
            out.write(TestCorpora.prose(300_000).getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    @Test
    void trainsFromHdfsWritesCheckpointsThereAndSamplesThem() throws Exception {
        String run = root + "/runs/shakespeare";
        Cli result = Cli.run("train", "--corpus", root + "/corpora/prose.txt", "--output", run,
                "--hidden", "96", "--window", "250", "--batch-size", "16", "--averaging-frequency", "2",
                "--learning-rate", "4e-3", "--epochs", "2", "--checkpoint-every", "12",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.hadoop.dfs.replication=1");
        assertEquals(0, result.exitCode(), result.toString());

        FileSystem fs = hdfs.getFileSystem();
        FileStatus[] files = fs.listStatus(new Path("/runs/shakespeare"));
        assertTrue(Arrays.stream(files).noneMatch(f -> f.getPath().getName().startsWith("_tmp")),
                "temporary files left behind");
        long checkpoints = Arrays.stream(files).filter(f -> CheckpointName.is(f.getPath().getName()))
                .count();
        assertTrue(checkpoints >= 3, "expected checkpoints every 12 rounds and at each epoch end: " + checkpoints);
        String metrics = new String(fs.open(new Path("/runs/shakespeare/metrics.jsonl")).readAllBytes(),
                StandardCharsets.UTF_8);
        assertTrue(metrics.lines().count() >= 30, metrics);

        Checkpoint best = RunDirectory.resolve(run, new Configuration(), false);
        int vocabulary = best.meta().vocabulary().size();
        double valLoss = best.meta().progress().valLoss();
        assertTrue(valLoss < 0.7 * Math.log(vocabulary),
                "validation loss " + valLoss + " is not well below ln(" + vocabulary + ")");
        assertEquals(best.meta().progress().bestValLoss(), valLoss, 1e-12);

        String text = new Sampler(best.network(), best.meta().vocabulary()).sample("ROMEO:", 200, 0.8, 1, s -> { });
        assertEquals(200, text.codePointCount(0, text.length()));

        Cli sample = Cli.run("sample", "--checkpoint", run + "/" + fs.listStatus(new Path("/runs/shakespeare"),
                p -> CheckpointName.is(p.getName()))[0].getPath().getName(), "--length", "120",
                "--prime", "KING", "--seed", "5");
        assertEquals(0, sample.exitCode(), sample.toString());
        assertTrue(sample.out().startsWith("KING"), sample.out());
        assertTrue(sample.out().length() >= 124, sample.out());
    }
}
