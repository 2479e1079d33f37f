package io.charrnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.dataset.PreparedDataset;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * prepare, then train, resume and eval from the dataset alone: the raw text is moved away after prepare, so any
 * second read of it would fail.
 */
class PreparedDatasetTest {
    @TempDir
    Path dir;

    private static final String[] SPARK = {"--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"};

    private static String[] with(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void trainsResumesAndEvaluatesFromAPreparedDatasetWithoutTheRawText() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        TestCorpora.writeProse(raw, 120_000);
        String dataset = dir.resolve("dataset").toUri().toString();
        Cli prepared = Cli.run(with(new String[]{"prepare", "--corpus", raw.toString(), "--output", dataset,
                "--val-fraction", "0.1", "--min-count", "30", "--json"}, SPARK));
        assertEquals(0, prepared.exitCode(), prepared.toString());
        assertTrue(prepared.err().contains("map to the unknown symbol"), prepared.err());
        JsonNode figures = Json.mapper().readTree(prepared.out());
        // The whole corpus read once, at its stated time; the driver is this JVM, whose peak only grows.
        assertEquals(120_000, figures.get("input_bytes").asLong(), prepared.out());
        assertEquals(120_000 / 1e6 / figures.get("seconds").asDouble(), figures.get("mb_per_sec").asDouble(), 1e-9,
                prepared.out());
        long rss = figures.get("driver_peak_rss_mb").asLong();
        assertTrue(rss >= 100 && rss <= PeakMemory.peakRssMegabytes(), rss + " MB: " + prepared.out());
        DatasetManifest m = PreparedDataset.open(new Configuration(), dataset).manifest();
        assertEquals(120_000, m.symbols());
        assertTrue(m.withUnknown() && m.mappedSymbols() > 0, "symbols rarer than 30 share the unknown symbol");

        Cli again = Cli.run(with(new String[]{"prepare", "--corpus", raw.toString(), "--output", dataset,
                "--val-fraction", "0.1", "--min-count", "30"}, SPARK));
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.err().contains("up to date"), again.err());

        Files.move(raw, dir.resolve("raw-moved-away"));
        String run = dir.resolve("run").toUri().toString();
        String[] train = with(new String[]{"train", "--corpus", dataset, "--output", run, "--hidden", "32",
                "--window", "100", "--batch-size", "8", "--averaging-frequency", "2", "--epochs", "1",
                "--checkpoint-every", "8", "--sample-chars", "0"}, SPARK);
        Cli trained = Cli.run(train);
        assertEquals(0, trained.exitCode(), trained.toString());
        RunDirectory runDir = new RunDirectory(run, new Configuration());
        Checkpoint latest = runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), false);
        assertEquals(0.1, latest.meta().train().valFraction(), "the dataset's split is the run's");
        assertTrue(latest.meta().vocabulary().hasUnknown(), "the checkpoint keeps the unknown symbol");
        assertEquals(m.vocabulary(), latest.meta().vocabulary());

        Cli eval = Cli.run(with(new String[]{"eval", "--checkpoint", run, "--corpus", dataset, "--split",
                "validation", "--json"}, SPARK));
        assertEquals(0, eval.exitCode(), eval.toString());
        Checkpoint best = runDir.load(runDir.pointer(RunDirectory.BEST).orElseThrow(), false);
        assertEquals(best.meta().progress().valLoss(), Json.mapper().readTree(eval.out()).get("nats_per_char")
                .asDouble(), 1e-9, "eval scores exactly the windows training validated on");

        // The same command again continues the same run from the dataset (here: its single epoch is done).
        Cli resumed = Cli.run(train);
        assertEquals(Main.NOTHING_TO_DO, resumed.exitCode(), resumed.toString());
        Cli more = Cli.run(with(train, "--epochs", "2", "--resume"));
        assertEquals(0, more.exitCode(), more.toString());
        assertTrue(more.err().contains("trained 2.00 epochs"), more.err());
    }

    @Test
    void aNightlyRunContinuesOnAGrownDatasetWhoseNewSymbolsMapToTheUnknownSymbol() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.writeString(raw.resolve("a.txt"), TestCorpora.prose(60_000));
        String dataset = dir.resolve("dataset").toUri().toString();
        String[] prepare = with(new String[]{"prepare", "--corpus", raw.toString(), "--output", dataset,
                "--unknown-symbol", "always", "--val-fraction", "0.25"}, SPARK);
        assertEquals(0, Cli.run(prepare).exitCode());
        String run = dir.resolve("run").toUri().toString();
        String[] train = with(new String[]{"train", "--corpus", dataset, "--output", run, "--hidden", "24",
                "--window", "100", "--batch-size", "8", "--averaging-frequency", "2", "--checkpoint-every", "50",
                "--sample-chars", "0"}, SPARK);
        Cli first = Cli.run(with(train, "--epochs", "1"));
        assertEquals(0, first.exitCode(), first.toString());

        // Overnight the corpus grows, with symbols the model has never seen.
        Files.writeString(raw.resolve("b.txt"), ("Ærø — Šibenik, Łódź. " + TestCorpora.prose(30_000)));
        Cli grown = Cli.run(prepare);
        assertEquals(0, grown.exitCode(), grown.toString());
        assertFalse(grown.err().contains("up to date"), grown.err());
        Cli second = Cli.run(with(train, "--epochs", "2"));
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.err().contains("trained 2.00 epochs"), second.err());
        RunDirectory runDir = new RunDirectory(run, new Configuration());
        Checkpoint latest = runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), false);
        assertTrue(latest.meta().vocabulary().hasUnknown());
        assertEquals(-1, latest.meta().vocabulary().exactIdOf('Æ'), "the model's vocabulary did not change");
    }
}
