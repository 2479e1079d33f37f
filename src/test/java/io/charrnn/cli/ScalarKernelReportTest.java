package io.charrnn.cli;

import io.charrnn.ChildJvm;
import io.charrnn.TestCorpora;
import io.charrnn.common.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JVM whose LSTM falls back to the scalar kernel is seen: each round's metrics count its workers and the log says
 * what to fix. (The cluster check asserts the count is 0 on every executor; this shows the count can be other.)
 */
class ScalarKernelReportTest {
    @TempDir
    Path dir;

    @Test
    void workersOnTheScalarKernelAreCountedAndWarnedOf() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 40_000);
        Path run = dir.resolve("run");
        ChildJvm job = ChildJvm.start(dir, List.of("train", "--corpus", corpus.toString(), "--output", run.toString(),
                "--hidden", "16", "--window", "100", "--seq-length", "25", "--batch-size", "8",
                "--averaging-frequency", "4", "--epochs", "1", "--sample-chars", "0", "--workers", "2",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"),
                "-Dcharrnn.lstm.vector=false");
        assertTrue(job.process().waitFor(3, TimeUnit.MINUTES), "training hung: " + job.tail());
        assertEquals(0, job.process().exitValue(), job.tail());
        List<String> rounds = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"scalar_kernel_workers\"")).toList();
        assertFalse(rounds.isEmpty());
        for (String line : rounds) {
            assertEquals(2, Json.mapper().readTree(line).get("scalar_kernel_workers").asInt(), line);
        }
        String log = Files.readString(job.log());
        assertEquals(1, log.lines().filter(l -> l.contains("workers run the scalar LSTM kernel")).count(), log);
        assertTrue(log.contains("--add-modules=jdk.incubator.vector"), log);
    }
}
