package io.charrnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** eval, inspect, sample and report on one small run trained once on local[2] Spark. */
class TrainedRunTest {
    @TempDir
    static Path dir;
    static Path corpus;
    static String run;
    static Checkpoint latest;

    @BeforeAll
    static void trainOnce() throws Exception {
        corpus = TestCorpora.writeProse(dir, 80_000);
        run = dir.resolve("run").toUri().toString();
        Cli result = Cli.run("train", "--corpus", corpus.toString(), "--output", run, "--hidden", "48",
                "--window", "200", "--seq-length", "50", "--batch-size", "8", "--averaging-frequency", "2",
                "--epochs", "1", "--checkpoint-every", "6", "--val-fraction", "0.1", "--sample-chars", "80",
                "--patience", "50", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.err().contains("validation loss"), result.err());
        RunDirectory dirOfRun = new RunDirectory(run, new Configuration());
        latest = dirOfRun.load(dirOfRun.pointer(RunDirectory.LATEST).orElseThrow(), false);
    }

    @Test
    void evalOnTheValidationSplitReproducesTheLossRecordedInTraining() throws Exception {
        Cli eval = Cli.run("eval", "--checkpoint", run + "/" + latestName(), "--corpus", corpus.toString(),
                "--split", "validation", "--json", "--conf", "spark.master=local[2]",
                "--conf", "spark.ui.enabled=false");
        assertEquals(0, eval.exitCode(), eval.toString());
        JsonNode json = Json.mapper().readTree(eval.out());
        double recorded = latest.meta().progress().valLoss();
        // The same windows in the same state, their partitions' sums added in partition order.
        assertEquals(recorded, json.get("nats_per_char").asDouble(), 1e-9, eval.out());
        assertEquals(json.get("nats_per_char").asDouble() / Math.log(2), json.get("bits_per_char").asDouble(), 1e-9);
        assertEquals(Math.exp(json.get("nats_per_char").asDouble()), json.get("perplexity").asDouble(), 1e-9);
        assertEquals(0, json.get("out_of_vocabulary").asLong());
        // Every validation window the in-process reader cuts from the file, each scoring its window's characters
        // (consecutive windows overlap by one).
        var train = latest.meta().train();
        var options = new io.charrnn.corpus.CorpusOptions(io.charrnn.corpus.VocabularyPolicy.DEFAULT,
                train.valFraction(), 1, io.charrnn.corpus.CorpusOptions.DEFAULT_MAX_MALFORMED, null);
        var reader = io.charrnn.corpus.LocalCorpus.read(new Configuration(), corpus.toString(), options);
        long windows = new io.charrnn.training.LocalRoundRunner(reader, train.window(), train.valMaxChars())
                .load(reader.vocabulary()).validation();
        assertEquals(windows * train.window(), json.get("chars").asLong(), eval.out());
    }

    @Test
    void evalCutsTheWindowsAsARunWithItsOwnPartitionsDid() throws Exception {
        // Over 1.25 MiB: the automatic plan reads it in two chunks, --partitions 1 in one, and windows (and the
        // carried validation state) never cross a chunk.
        Path big = TestCorpora.writeProse(Files.createDirectories(dir.resolve("big")), 1_400_000);
        String one = dir.resolve("one-partition").toUri().toString();
        Cli train = Cli.run("train", "--corpus", big.toString(), "--output", one, "--hidden", "16", "--layers", "1",
                "--window", "200", "--seq-length", "50", "--batch-size", "8", "--epochs", "1", "--max-minutes",
                "0.02", "--sample-chars", "0", "--partitions", "1", "--conf", "spark.master=local[1]",
                "--conf", "spark.ui.enabled=false");
        assertEquals(0, train.exitCode(), train.toString());
        RunDirectory runDir = new RunDirectory(one, new Configuration());
        double recorded = runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), false).meta().progress()
                .valLoss();
        Cli eval = Cli.run("eval", "--checkpoint", one, "--corpus", big.toString(), "--split", "validation",
                "--json", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, eval.exitCode(), eval.toString());
        assertEquals(recorded, Json.mapper().readTree(eval.out()).get("nats_per_char").asDouble(), 1e-9,
                eval.out());
    }

    @Test
    void evalOnAnotherCorpusCountsSymbolsOutsideTheVocabulary() throws Exception {
        Path other = dir.resolve("other.txt");
        Files.writeString(other, ("naïve café — über " + TestCorpora.prose(3000)).repeat(2),
                StandardCharsets.UTF_8);
        Cli eval = Cli.run("eval", "--checkpoint", run, "--corpus", other.toString(), "--json",
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, eval.exitCode(), eval.toString());
        JsonNode json = Json.mapper().readTree(eval.out());
        // ï, é, — and ü are not in the training text: 4 per copy, 2 copies.
        assertEquals(8, json.get("out_of_vocabulary").asLong(), eval.out());
        // Every symbol but the first of the file is scored, short remainders included; the text is read exactly
        // as it is (no newline is added at the end).
        String content = Files.readString(other);
        long symbols = content.codePoints().count();
        assertEquals(symbols - 8 - 1, json.get("chars").asLong());

        Cli text = Cli.run("eval", "--checkpoint", run, "--corpus", other.toString(),
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertTrue(text.out().contains("nats/char") && text.out().contains("bits/char")
                && text.out().contains("perplexity") && text.out().contains("outside the vocabulary"), text.out());
    }

    @Test
    void sampleInspectAndReportReadThroughTheHadoopSettingsOfTheirConf() {
        // A path without a scheme is on the default filesystem: the one --conf names, not the local disk.
        String path = dir.resolve("run").toString();
        for (String command : List.of("sample", "inspect", "report")) {
            String flag = command.equals("report") ? "--run" : "--checkpoint";
            Cli there = Cli.run(command, flag, path, "--conf", "spark.hadoop.fs.defaultFS=nosuch:///");
            assertTrue(there.isOneLineUserError() && there.err().contains("nosuch"), command + ": " + there);
        }
    }

    @Test
    void inspectDescribesTheCheckpointAsTextAndJson() throws Exception {
        Cli json = Cli.run("inspect", "--checkpoint", run, "--json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode node = Json.mapper().readTree(json.out());
        assertEquals(latest.meta().vocabulary().size(), node.get("vocabulary_size").asInt());
        // 2 LSTM layers of 48 over V inputs: 4 gates x (in + 48 recurrent + 1 bias) x 48 each, plus softmax.
        int v = latest.meta().vocabulary().size();
        long expected = 4L * 48 * (v + 48 + 1) + 4L * 48 * (48 + 48 + 1) + (48L * v + v);
        assertEquals(expected, node.get("parameters").asLong());
        assertEquals(48, node.get("config").get("model").get("hidden").asInt());
        // A run directory means its best checkpoint: the lowest validation loss its metrics record.
        double lowest = Double.POSITIVE_INFINITY;
        for (String line : Files.readAllLines(dir.resolve("run").resolve("metrics.jsonl"))) {
            JsonNode val = Json.mapper().readTree(line).path("val_loss");
            lowest = val.isNumber() ? Math.min(lowest, val.asDouble()) : lowest;
        }
        assertTrue(Double.isFinite(lowest), "no validation in the metrics");
        assertEquals(lowest, node.get("val_loss").asDouble(), 5e-7, "metrics.jsonl rounds to 6 decimals");
        assertTrue(node.get("checkpoint").asText().endsWith(".zip"));
        assertEquals(1.0, node.get("epoch").asDouble(), 1e-9);
        JsonNode made = node.get("provenance");
        assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), made.get("spark").asText(), made.toString());
        assertEquals("local[2]", made.get("master").asText(), made.toString());
        assertEquals("2", made.get("workers").asText(), made.toString());
        assertTrue(made.get("corpus_fingerprint").asText().matches("files [0-9a-f]{64}"), made.toString());
        assertTrue(made.get("jvm").asText().contains(System.getProperty("java.runtime.version")), made.toString());

        Cli text = Cli.run("inspect", "--checkpoint", run);
        assertTrue(text.out().contains("2 x 48 LSTM") && text.out().contains("vocabulary"), text.out());
        assertTrue(text.out().contains("made by      charrnn ") && text.out().contains("on local[2], 2 workers"),
                text.out());
        assertTrue(text.out().matches("(?s).*\\nschedule     wsd, cycle from epoch 0\\.00 to 1; --patience 50: \\d+"
                + " validations without a new best\\n.*"), text.out());
    }

    @Test
    void sampleSupportsCountTopKAndArgmax() {
        Cli two = Cli.run("sample", "--checkpoint", run, "--count", "2", "--length", "40", "--seed", "3",
                "--prime", "The");
        assertEquals(0, two.exitCode(), two.toString());
        assertTrue(two.out().contains("--- sample 1 ---") && two.out().contains("--- sample 2 ---"), two.out());

        Cli argmaxA = Cli.run("sample", "--checkpoint", run, "--argmax", "--length", "60", "--seed", "1");
        Cli argmaxB = Cli.run("sample", "--checkpoint", run, "--argmax", "--length", "60", "--seed", "2");
        assertEquals(argmaxA.out(), argmaxB.out(), "argmax must not depend on the seed");
        Cli topOne = Cli.run("sample", "--checkpoint", run, "--top-k", "1", "--length", "60", "--seed", "9");
        assertEquals(argmaxA.out(), topOne.out(), "top-k 1 is argmax");

        Cli unknown = Cli.run("sample", "--checkpoint", run, "--prime", "naïve");
        assertTrue(unknown.isOneLineUserError(), unknown.toString());
        assertTrue(unknown.err().contains("U+00EF"), unknown.err());
    }

    @Test
    void trainingLoggedSamplesAndEveryRound() throws Exception {
        List<String> metrics = Files.readAllLines(dir.resolve("run").resolve(RunDirectory.METRICS_FILE));
        assertEquals(latest.meta().progress().totalRounds(), metrics.size());
        List<String> samples = Files.readAllLines(dir.resolve("run").resolve(RunDirectory.SAMPLES_FILE));
        assertFalse(samples.isEmpty());
        JsonNode sample = Json.mapper().readTree(samples.get(samples.size() - 1));
        assertEquals(80, sample.get("text").asText().codePointCount(0, sample.get("text").asText().length()));
    }

    @Test
    void reportWritesAPngThatChangesWithTheMetricsAndAnHtmlPage() throws Exception {
        Path out = dir.resolve("report");
        Cli report = Cli.run("report", "--run", run, "--output", out.toUri().toString());
        assertEquals(0, report.exitCode(), report.toString());
        byte[] png = Files.readAllBytes(out.resolve("report.png"));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "report.png is not a readable image");
        assertEquals(1200, image.getWidth());
        assertEquals(500, image.getHeight());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,") && html.contains("Latest samples"), html);

        // Change the metrics (halve every loss) and the plot must change.
        Path copy = Files.createDirectories(dir.resolve("changed"));
        Path metrics = dir.resolve("run").resolve(RunDirectory.METRICS_FILE);
        StringBuilder changed = new StringBuilder();
        for (String line : Files.readAllLines(metrics)) {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(line);
            node.put("train_loss", node.get("train_loss").asDouble() / 2);
            changed.append(Json.write(node)).append('\n');
        }
        Files.writeString(copy.resolve(RunDirectory.METRICS_FILE), changed);
        Cli again = Cli.run("report", "--run", copy.toUri().toString());
        assertEquals(0, again.exitCode(), again.toString());
        byte[] png2 = Files.readAllBytes(copy.resolve("report.png"));
        assertNotNull(ImageIO.read(new ByteArrayInputStream(png2)));
        assertFalse(Arrays.equals(png, png2), "the plot did not change with the metrics");

        Cli missing = Cli.run("report", "--run", dir.resolve("nothing").toUri().toString());
        assertTrue(missing.isOneLineUserError(), missing.toString());
    }

    private static String latestName() {
        return new RunDirectory(run, new Configuration()).pointer(RunDirectory.LATEST).orElseThrow();
    }
}
