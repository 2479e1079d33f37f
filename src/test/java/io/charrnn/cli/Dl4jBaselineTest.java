package io.charrnn.cli;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.RunDirectory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --averaging dl4j} (DL4J's parameter-averaging master) trains in the Spark 3.5 build, and the Spark 4 build,
 * which has no DL4J Spark module, refuses it with one line before anything is written. Each build runs the test
 * that is its own (.ci/run runs both builds).
 */
class Dl4jBaselineTest {
    @TempDir
    Path dir;

    private static boolean dl4jBuild() {
        try {
            Class.forName("io.charrnn.spark.Dl4jAveraging");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private Cli train(String run) throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 40_000);
        return Cli.run("train", "--corpus", corpus.toString(), "--output", run, "--averaging", "dl4j",
                "--hidden", "32", "--window", "200", "--seq-length", "50", "--batch-size", "8",
                "--averaging-frequency", "2", "--epochs", "1", "--sample-chars", "0",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
    }

    @Test
    void theSpark35BuildTrainsWithDl4jsMaster() throws Exception {
        assumeTrue(dl4jBuild(), "the Spark 4 build has no DL4J master");
        String run = dir.resolve("run").toUri().toString();
        Cli result = train(run);
        assertEquals(0, result.exitCode(), result.toString());
        RunDirectory runDir = new RunDirectory(run, new Configuration());
        assertTrue(runDir.pointer(RunDirectory.LATEST).isPresent(), "no checkpoint: " + result);
        assertTrue(java.util.regex.Pattern.compile("\"val_loss\":[0-9]")
                .matcher(Files.readString(dir.resolve("run/metrics.jsonl"))).find(), result.toString());
    }

    @Test
    void theSpark4BuildRefusesDl4jsMasterWithOneLine() throws Exception {
        assumeFalse(dl4jBuild(), "the Spark 3.5 build has DL4J's master");
        Cli result = train(dir.resolve("run").toUri().toString());
        assertTrue(result.isOneLineUserError(), result.toString());
        assertTrue(result.err().contains("needs the Spark 3.5 build"), result.err());
        assertFalse(Files.exists(dir.resolve("run/metrics.jsonl")), "a refused run wrote metrics");
    }
}
