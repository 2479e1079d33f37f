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
        java.util.Set<String> checkpoints = new java.util.TreeSet<>();
        Arrays.stream(files).map(f -> f.getPath().getName()).filter(CheckpointName::is).forEach(checkpoints::add);
        String metrics = new String(fs.open(new Path("/runs/shakespeare/metrics.jsonl")).readAllBytes(),
                StandardCharsets.UTF_8);
        // One line a round, rounds 1.. in order; a checkpoint at every 12th round and at each epoch's end, each
        // named by its round's line and kept (no --keep).
        int roundsPerEpoch = RunDirectory.resolve(run, new Configuration(), false).meta().progress().roundsPerEpoch();
        java.util.List<String> lines = metrics.lines().toList();
        assertEquals(2 * roundsPerEpoch, lines.size(), metrics);
        java.util.Set<String> named = new java.util.TreeSet<>();
        for (int i = 0; i < lines.size(); i++) {
            var line = io.charrnn.common.Json.mapper().readTree(lines.get(i));
            int round = i + 1;
            assertEquals(round, line.get("round").asInt(), lines.get(i));
            boolean due = round % 12 == 0 || round % roundsPerEpoch == 0;
            assertEquals(due, line.path("checkpoint").isTextual(), "round " + round + ": " + lines.get(i));
            if (due) {
                named.add(line.get("checkpoint").asText());
            }
        }
        assertEquals(named, checkpoints);

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
