package io.charrnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.Json;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.ml.CharRnnModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** A run trained on a Parquet table's column, evaluated and scored; tables that cannot be trained on, refused. */
class TableTest {
    private static final String[] LOCAL = {"--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"};

    @TempDir
    static Path dir;
    static List<String> lines;
    static String table;
    static String run;

    static SparkSession session() {
        return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString()).getOrCreate();
    }

    static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType)
            .add("msg", DataTypes.StringType, true).add("n", DataTypes.IntegerType);

    /** A Parquet table of the rows that {@code text} gives for each line number. */
    static String writeTable(SparkSession spark, String name, int rows, Function<Integer, String> text) {
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            data.add(RowFactory.create((long) i, text.apply(i), i));
        }
        String path = dir.resolve(name).toString();
        spark.createDataFrame(data, SCHEMA).coalesce(1).write().parquet(path);
        return path;
    }

    static String[] args(String... given) {
        List<String> all = new ArrayList<>(List.of(given));
        all.addAll(List.of(LOCAL));
        return all.toArray(String[]::new);
    }

    @BeforeAll
    static void trainOnATable() {
        lines = TestCorpora.prose(60_000).lines().filter(l -> !l.isEmpty()).toList();
        SparkSession spark = session();
        try {
            table = writeTable(spark, "logs", lines.size(), lines::get);
        } finally {
            spark.stop();
        }
        run = dir.resolve("run").toUri().toString();
        Cli train = Cli.run(args("train", "--corpus", table, "--text-column", "msg", "--output", run,
                "--hidden", "32", "--window", "100", "--seq-length", "50", "--batch-size", "8", "--epochs", "1",
                "--val-fraction", "0.1", "--sample-chars", "0", "--checkpoint-every", "1000"));
        assertEquals(0, train.exitCode(), train.toString());
    }

    static Checkpoint latest() {
        RunDirectory runDir = new RunDirectory(run, new Configuration());
        return runDir.load(runDir.pointer(RunDirectory.LATEST).orElseThrow(), false);
    }

    @Test
    void theTableIsReadAsTheFileOfItsLinesAndTheRunRecordsHowItWasRead() {
        // Every row and its separator, every symbol counted once: the vocabulary of the text file of those lines.
        Map<Integer, Long> counts = new HashMap<>();
        (String.join("\n", lines) + "\n").codePoints().forEach(cp -> counts.merge(cp, 1L, Long::sum));
        Checkpoint c = latest();
        assertEquals(Vocabulary.fromCounts(counts), c.meta().vocabulary());
        assertEquals("msg", c.meta().train().table().textColumn());
        assertEquals("\n", c.meta().train().table().separator());
        assertTrue(c.meta().progress().valLoss() < Math.log(c.meta().vocabulary().size()));
    }

    @Test
    void aRunContinuedWithAnotherTableReadingIsRefusedNamingIt() {
        Cli resumed = Cli.run(args("train", "--corpus", table, "--text-column", "msg", "--row-separator", "\\u001e",
                "--output", run, "--resume", "--hidden", "32", "--window", "100", "--seq-length", "50",
                "--batch-size", "8", "--epochs", "2", "--val-fraction", "0.1", "--sample-chars", "0"));
        assertTrue(resumed.isOneLineUserError(), resumed.toString());
        assertTrue(resumed.err().contains("--row-separator \\u001e"), resumed.toString());
    }

    @Test
    void evalOfTheRunsOwnTableReproducesTheValidationLossTrainingRecorded() throws Exception {
        Cli eval = Cli.run(args("eval", "--checkpoint", run, "--corpus", table, "--split", "validation", "--json"));
        assertEquals(0, eval.exitCode(), eval.toString());
        Checkpoint best = RunDirectory.resolve(run, new Configuration(), false);
        assertEquals(best.meta().progress().valLoss(),
                Json.mapper().readTree(eval.out()).get("nats_per_char").asDouble(), 1e-9, eval.out());
    }

    @Test
    void aRowsScoreIsEvalsOnTheSameTextBetweenSeparators() throws Exception {
        String scored = dir.resolve("scored").toString();
        Cli score = Cli.run(args("score", "--checkpoint", run, "--input", table, "--text-column", "msg",
                "--output", scored));
        assertEquals(0, score.exitCode(), score.toString());
        assertTrue(score.out().contains(String.format("%,d rows scored", lines.size())), score.out());
        SparkSession spark = session();
        Row row;
        long rows;
        try {
            Dataset<Row> out = spark.read().parquet(scored);
            rows = out.count();
            row = out.where("id = 7").first();
        } finally {
            spark.stop();
        }
        assertEquals(lines.size(), rows);
        String text = row.getString(row.fieldIndex("msg"));
        double nats = row.getDouble(row.fieldIndex("nats_per_char"));
        assertEquals(-row.getDouble(row.fieldIndex("log_likelihood")) / (text.length() + 1), nats, 1e-12);
        assertEquals(nats / Math.log(2), row.getDouble(row.fieldIndex("bits_per_char")), 1e-12);

        Path file = Files.createDirectories(dir.resolve("one-line")).resolve("line.txt");
        Files.writeString(file, "\n" + text + "\n");
        Cli eval = Cli.run(args("eval", "--checkpoint", run, "--corpus", file.toString(), "--json"));
        assertEquals(0, eval.exitCode(), eval.toString());
        JsonNode json = Json.mapper().readTree(eval.out());
        assertEquals(text.length() + 1, json.get("chars").asLong());
        assertEquals(json.get("nats_per_char").asDouble(), nats, 1e-5);
    }

    @Test
    void aTablePreparedOnceIsADatasetOfItsRowsAndAnotherReadingPreparesItAgain() throws Exception {
        String dataset = dir.resolve("dataset").toString();
        Cli prepare = Cli.run(args("prepare", "--corpus", table, "--text-column", "msg", "--output", dataset,
                "--json"));
        assertEquals(0, prepare.exitCode(), prepare.toString());
        JsonNode manifest = Json.mapper().readTree(Files.readString(Path.of(dataset, "dataset.json")));
        assertEquals(String.join("\n", lines).length() + 1, manifest.get("symbols").asLong());
        assertEquals(0, manifest.get("blockBytes").asInt());
        Cli again = Cli.run(args("prepare", "--corpus", table, "--text-column", "msg", "--output", dataset));
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.err().contains("up to date"), again.err());
        Cli otherSeparator = Cli.run(args("prepare", "--corpus", table, "--text-column", "msg", "--row-separator",
                "\\u001e", "--output", dataset));
        assertEquals(0, otherSeparator.exitCode(), otherSeparator.toString());
        assertFalse(otherSeparator.err().contains("up to date"), otherSeparator.err());
        manifest = Json.mapper().readTree(Files.readString(Path.of(dataset, "dataset.json")));
        assertTrue(java.util.Arrays.stream(Json.mapper().treeToValue(manifest.get("codePoints"), int[].class))
                .anyMatch(cp -> cp == 0x1e));
        String fromDataset = dir.resolve("from-dataset").toString();
        Cli train = Cli.run(args("train", "--corpus", dataset, "--output", fromDataset,
                "--hidden", "8", "--epochs", "1", "--window", "50", "--seq-length", "25", "--sample-chars", "0"));
        assertEquals(0, train.exitCode(), train.toString());
        // The dataset's table reading is the run's: its models score rows with the dataset's separator.
        Checkpoint trained = RunDirectory.resolve(fromDataset, new Configuration(), false);
        assertEquals("\u001e", trained.meta().train().table().separator());
        assertEquals("\u001e", CharRnnModel.fromCheckpoint(fromDataset, new Configuration()).separator());
    }

    @Test
    void aPipelineWithTheModelSavedAndLoadedInANewSessionScoresBitForBit() throws Exception {
        String saved = dir.resolve("pipeline").toString();
        List<Row> first;
        SparkSession spark = session();
        try {
            Dataset<Row> data = spark.read().parquet(table).limit(300);
            CharRnnModel model = CharRnnModel.fromCheckpoint(run, new Configuration()).setTextCol("msg")
                    .setGroupRows(7);
            PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[]{model}).fit(data);
            first = pipeline.transform(data).orderBy("id").collectAsList();
            pipeline.write().save(saved);
        } finally {
            spark.stop();
        }
        spark = session();
        try {
            Dataset<Row> data = spark.read().parquet(table).limit(300);
            List<Row> again = PipelineModel.load(saved).transform(data).orderBy("id").collectAsList();
            assertEquals(first, again);
            assertTrue(first.stream().allMatch(r -> r.getDouble(r.fieldIndex("nats_per_char")) > 0));
        } finally {
            spark.stop();
        }
    }

    @Test
    void aTableThatCannotBeTrainedOnIsOneLineAndExit2() {
        SparkSession spark = session();
        String nulls;
        String empty;
        try {
            nulls = writeTable(spark, "with-nulls", 400, i -> i % 50 == 0 ? null : lines.get(i));
            empty = writeTable(spark, "with-empty", 400, i -> i % 50 == 0 ? "" : lines.get(i));
            writeTable(spark, "no-rows", 0, lines::get);
        } finally {
            spark.stop();
        }
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("has no such column", new String[]{"--corpus", table, "--text-column", "message"});
        cases.put("is int, not a string", new String[]{"--corpus", table, "--text-column", "n"});
        cases.put("8 null and 0 empty", new String[]{"--corpus", nulls, "--text-column", "msg"});
        cases.put("0 null and 8 empty", new String[]{"--corpus", empty, "--text-column", "msg"});
        cases.put("--key-column id2: ", new String[]{"--corpus", table, "--text-column", "msg", "--key-column",
                "id2"});
        cases.put("holds no text (0 rows)", new String[]{"--corpus", dir.resolve("no-rows").toString(),
                "--text-column", "msg"});
        cases.put("neither a catalog table", new String[]{"--corpus", dir.resolve("nothing").toString(),
                "--text-column", "msg"});
        int i = 0;
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            List<String> a = new ArrayList<>(List.of("train", "--output", dir.resolve("bad" + i++).toString(),
                    "--hidden", "8", "--epochs", "1", "--sample-chars", "0"));
            a.addAll(List.of(c.getValue()));
            Cli train = Cli.run(args(a.toArray(String[]::new)));
            assertTrue(train.isOneLineUserError(), c.getKey() + ": " + train);
            assertTrue(train.err().contains(c.getKey()), c.getKey() + ": " + train);
        }
        // Skipped on request, and then counted in the log.
        Cli skipping = Cli.run(args("train", "--corpus", nulls, "--text-column", "msg", "--empty-rows", "skip",
                "--output", dir.resolve("skipping").toString(), "--hidden", "8", "--epochs", "1", "--window", "50",
                "--seq-length", "25", "--sample-chars", "0", "--val-fraction", "0.2"));
        assertEquals(0, skipping.exitCode(), skipping.toString());
    }
}
