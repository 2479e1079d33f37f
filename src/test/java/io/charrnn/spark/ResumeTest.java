package io.charrnn.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.Cli;
import io.charrnn.cli.Main;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Continuing runs: the same command resumes (or has nothing to do), other settings are refused, a damaged latest
 * checkpoint falls back to the one before, the learning rate decays per epoch, --overwrite restarts, and
 * --init-from warm-starts only on a corpus without new symbols.
 */
class ResumeTest {
    @TempDir
    Path dir;

    private Cli train(Path corpus, String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--output", output,
                "--hidden", "32", "--window", "100", "--seq-length", "25", "--batch-size", "8",
                "--averaging-frequency", "2", "--checkpoint-every", "4", "--sample-chars", "0",
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static double learningRate(MultiLayerNetwork net) {
        return ((Adam) ((BaseLayer) net.getLayer(0).conf().getLayer()).getIUpdater()).getLearningRate();
    }

    private static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(RunDirectory.METRICS_FILE))) {
            nodes.add(Json.mapper().readTree(line));
        }
        return nodes;
    }

    @Test
    void continuingARun() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 60_000);
        String output = dir.resolve("run").toUri().toString();

        Cli first = train(corpus, output, "--epochs", "1", "--lr-schedule", "step", "--lr-decay", "0.5",
                "--lr-decay-after", "1");
        assertEquals(0, first.exitCode(), first.toString());
        RunDirectory run = new RunDirectory(output, new Configuration());
        Checkpoint afterOne = run.load(run.pointer(RunDirectory.LATEST).orElseThrow(), true);
        List<String> checkpointsOfOneEpoch = run.checkpointNames();
        long roundsPerEpoch = afterOne.meta().progress().roundsPerEpoch();
        assertEquals(1, afterOne.meta().progress().epoch());
        assertEquals(roundsPerEpoch, afterOne.meta().progress().totalRounds());
        assertEquals(2e-3, learningRate(afterOne.network()), 1e-12, "no decay during the first epoch");

        Cli again = train(corpus, output, "--epochs", "1", "--lr-schedule", "step", "--lr-decay", "0.5",
                "--lr-decay-after", "1");
        assertEquals(Main.NOTHING_TO_DO, again.exitCode(), again.toString());
        assertTrue(again.err().contains("nothing to do") && again.err().contains("raise --epochs to train further"),
                again.err());

        Cli other = train(corpus, output, "--epochs", "2", "--hidden", "48");
        assertTrue(other.isOneLineUserError(), other.toString());
        assertTrue(other.err().contains("holds a run with other settings") && other.err().contains("--hidden 32 (not 48)")
                && other.err().contains("--overwrite"), other.err());
        Cli otherWithResume = train(corpus, output, "--epochs", "2", "--hidden", "48", "--resume");
        assertTrue(otherWithResume.isOneLineUserError(), otherWithResume.toString());
        assertTrue(otherWithResume.err().contains("--hidden 32 (not 48)"), otherWithResume.err());

        // Damage the latest checkpoint: keep its first half only.
        Path latest = dir.resolve("run").resolve(run.pointer(RunDirectory.LATEST).orElseThrow());
        try (RandomAccessFile f = new RandomAccessFile(latest.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Cli second = train(corpus, output, "--epochs", "2", "--lr-schedule", "step", "--lr-decay", "0.5",
                "--lr-decay-after", "1");
        assertEquals(0, second.exitCode(), second.toString());
        Checkpoint afterTwo = run.load(run.pointer(RunDirectory.LATEST).orElseThrow(), true);
        assertEquals(2, afterTwo.meta().progress().epoch());
        assertEquals(2 * roundsPerEpoch, afterTwo.meta().progress().totalRounds());
        assertEquals(1e-3, learningRate(afterTwo.network()), 1e-12, "decayed once after epoch 1");

        // The rounds after the last readable checkpoint were redone, and the log has each round once.
        List<JsonNode> lines = metrics(dir.resolve("run"));
        assertEquals(2 * roundsPerEpoch, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i).get("round").asLong(), "metrics rounds must be contiguous");
        }

        Cli fresh = train(corpus, output, "--epochs", "1", "--lr-schedule", "step", "--overwrite");
        assertEquals(0, fresh.exitCode(), fresh.toString());
        assertEquals(roundsPerEpoch, metrics(dir.resolve("run")).size());
        // Training is deterministic, so the new run writes the same names; the damaged file is gone and the
        // second epoch's checkpoints with it.
        assertEquals(checkpointsOfOneEpoch, run.checkpointNames(), "--overwrite must remove the old checkpoints");
        for (String name : run.checkpointNames()) {
            assertDoesNotThrow(() -> run.load(name, true));
        }

        // Warm start: on a corpus with a symbol the model does not know, refused with the symbol named...
        Path accented = dir.resolve("accented.txt");
        Files.writeString(accented, "Café society. " + TestCorpora.prose(20_000), StandardCharsets.UTF_8);
        Cli refused = train(accented, dir.resolve("warm1").toUri().toString(), "--epochs", "1", "--init-from",
                output);
        assertTrue(refused.isOneLineUserError(), refused.toString());
        assertTrue(refused.err().contains("does not know") && refused.err().contains("U+00E9")
                && refused.err().contains("--init-from"), refused.err());
        // ...and on one without, it starts from the trained weights: its first round beats a fresh model's.
        Path part = dir.resolve("part");
        Files.createDirectories(part);
        Path subset = TestCorpora.writeProse(part, 30_000);
        Cli warm = train(subset, dir.resolve("warm2").toUri().toString(), "--epochs", "1", "--init-from", output);
        assertEquals(0, warm.exitCode(), warm.toString());
        Cli cold = train(subset, dir.resolve("cold").toUri().toString(), "--epochs", "1");
        assertEquals(0, cold.exitCode(), cold.toString());
        double warmFirst = metrics(dir.resolve("warm2")).get(0).get("train_loss").asDouble();
        double coldFirst = metrics(dir.resolve("cold")).get(0).get("train_loss").asDouble();
        assertTrue(warmFirst < coldFirst - 0.3, "warm " + warmFirst + " vs cold " + coldFirst);
    }
}
