package io.charrnn.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.Cli;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A finished run continues with --resume, is refused with other model options, and restarts with --overwrite. */
class ResumeTest {
    @TempDir
    Path dir;

    private Cli train(Path corpus, String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--output", output,
                "--hidden", "32", "--window", "100", "--seq-length", "25", "--batch-size", "8",
                "--averaging-frequency", "2", "--checkpoint-every", "4",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void resumeContinuesFromTheLatestCheckpoint() throws Exception {
        Path corpus = TestCorpora.writeShakespeare(dir, 60_000);
        String output = dir.resolve("run").toUri().toString();

        Cli first = train(corpus, output, "--epochs", "1");
        assertEquals(0, first.exitCode(), first.toString());
        RunDirectory run = new RunDirectory(output, new Configuration());
        Checkpoint afterOne = run.load(run.pointer(RunDirectory.LATEST).orElseThrow(), true);
        long roundsPerEpoch = afterOne.meta().progress().roundsPerEpoch();
        assertEquals(1, afterOne.meta().progress().epoch());
        assertEquals(roundsPerEpoch, afterOne.meta().progress().totalRounds());

        Cli refused = train(corpus, output, "--epochs", "2", "--resume", "--hidden", "48");
        assertTrue(refused.isOneLineUserError(), refused.toString());
        assertTrue(refused.err().contains("--hidden") || refused.err().contains("hidden=32"), refused.err());

        Cli second = train(corpus, output, "--epochs", "2", "--resume");
        assertEquals(0, second.exitCode(), second.toString());
        Checkpoint afterTwo = run.load(run.pointer(RunDirectory.LATEST).orElseThrow(), true);
        assertEquals(2, afterTwo.meta().progress().epoch());
        assertEquals(2 * roundsPerEpoch, afterTwo.meta().progress().totalRounds());
        assertTrue(afterTwo.network().getLayerWiseConfigurations().getIterationCount()
                > afterOne.network().getLayerWiseConfigurations().getIterationCount());

        List<String> lines = Files.readAllLines(dir.resolve("run").resolve(RunDirectory.METRICS_FILE));
        assertEquals(2 * roundsPerEpoch, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = Json.mapper().readTree(lines.get(i));
            assertEquals(i + 1, line.get("round").asLong(), "metrics rounds must be contiguous: " + lines);
        }

        Cli fresh = train(corpus, output, "--epochs", "1", "--overwrite");
        assertEquals(0, fresh.exitCode(), fresh.toString());
        assertEquals(roundsPerEpoch, Files.readAllLines(dir.resolve("run").resolve(RunDirectory.METRICS_FILE))
                .size());
    }
}
