package io.charrnn.ml;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.cli.TrainFlags;
import io.charrnn.common.UserError;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The Estimator in a Pipeline: fitted in a caller's session, saved, loaded in a new one, scoring bit for bit. */
class CharRnnTest {
    @TempDir
    Path dir;

    private SparkSession session() {
        return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString()).getOrCreate();
    }

    private static Dataset<Row> lines(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        long id = 0;
        for (String line : TestCorpora.prose(40_000).lines().filter(l -> !l.isEmpty()).toList()) {
            rows.add(RowFactory.create(id++, line));
        }
        return spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType)
                .add("msg", DataTypes.StringType));
    }

    private CharRnn estimator(String run) {
        return new CharRnn().setTextCol("msg").setOutput(run).setParam("hidden", 16).setParam("layers", "1")
                .setParam("epochs", 1).setParam("window", 100).setParam("seqLength", 50)
                .setParam("batchSize", 8).setParam("sampleChars", 0).setParam("valFraction", 0.1);
    }

    @Test
    void aPipelineFitsInTheCallersSessionAndScoresTheSameAfterSaveAndLoad() throws Exception {
        String run = dir.resolve("run").toUri().toString();
        String savedModel = dir.resolve("model").toString();
        String savedPipeline = dir.resolve("pipeline").toString();
        List<Row> scored;
        SparkSession spark = session();
        try {
            Dataset<Row> data = lines(spark);
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[]{estimator(run)});
            PipelineModel model = pipeline.fit(data);
            // The session is the caller's: still running after the fit.
            assertFalse(spark.sparkContext().isStopped());
            CharRnnModel fitted = (CharRnnModel) model.stages()[0];
            Checkpoint best = fitted.checkpoint();
            assertEquals(16, best.meta().train().model().hidden());
            assertEquals(CharRnn.CORPUS_NAME, best.meta().train().corpus());
            assertEquals("msg", best.meta().train().table().textColumn());
            assertTrue(best.meta().progress().valLoss() < Math.log(best.meta().vocabulary().size()));
            scored = model.transform(data).orderBy("id").collectAsList();
            model.write().save(savedModel);
            pipeline.write().save(savedPipeline);

            // Generation: the same rows give the same text; each row its own, from its prime and seed.
            Dataset<Row> primes = data.selectExpr("id", "substring(msg, 1, 6) as prime").limit(20);
            CharRnnModel writer = fitted.copy(new org.apache.spark.ml.param.ParamMap()).setPrimeCol("prime")
                    .setSeedCol("id").setLength(40).setTemperature(0.9);
            List<Row> written = writer.transform(primes).orderBy("id").collectAsList();
            assertEquals(written, writer.transform(primes.repartition(3)).orderBy("id").collectAsList());
            assertTrue(written.stream().allMatch(r -> r.getString(2).codePointCount(0, r.getString(2).length())
                    == 40), written.toString());
            assertTrue(written.stream().map(r -> r.getString(2)).distinct().count() > 10, written.toString());

            // A character the model never saw is counted, and left out of the score (the vocabulary has no U+FFFD).
            Dataset<Row> odd = spark.createDataFrame(List.of(RowFactory.create(1L, "KING:"),
                    RowFactory.create(2L, "KING:\u2603")), new StructType().add("id", DataTypes.LongType)
                    .add("msg", DataTypes.StringType));
            List<Row> oddScores = fitted.transform(odd).orderBy("id").collectAsList();
            assertEquals(0L, oddScores.get(0).getLong(oddScores.get(0).fieldIndex("unknown_chars")));
            assertEquals(1L, oddScores.get(1).getLong(oddScores.get(1).fieldIndex("unknown_chars")));
            assertEquals(oddScores.get(0).getDouble(2), oddScores.get(1).getDouble(2), 1e-9);

            // A second fit of the same settings finds the run finished and gives its model without training.
            CharRnnModel again = estimator(run).fit(data);
            assertArrayEquals(best.toBytes(), again.checkpoint().toBytes());
        } finally {
            spark.stop();
        }
        spark = session();
        try {
            Dataset<Row> data = lines(spark);
            assertEquals(scored, PipelineModel.load(savedModel).transform(data).orderBy("id").collectAsList());
            CharRnn loaded = (CharRnn) Pipeline.load(savedPipeline).getStages()[0];
            assertEquals(16, loaded.getOrDefault(loaded.getParam("hidden")));
            assertEquals(run, loaded.getOrDefault(loaded.getParam("output")));
            assertEquals("msg", loaded.getOrDefault(loaded.textCol()));
        } finally {
            spark.stop();
        }
    }

    @Test
    void aModelTheSessionCannotShipIsRefusedInOneLineNamingTheSetting() {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.driver.maxResultSize", "1m")
                .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString()).getOrCreate();
        try {
            Dataset<Row> data = lines(spark);
            // 2 x 64: about 70 k parameters, 0.8 MB with Adam's moments, over the 0.5 MB of 1m shared by 2 results.
            UserError tooLarge = assertThrows(UserError.class, () -> estimator(dir.resolve("big").toString())
                    .setParam("hidden", 64).setParam("layers", 2).fit(data));
            assertTrue(tooLarge.getMessage().contains("spark.driver.maxResultSize (1m, 2 results a round)"),
                    tooLarge.getMessage());
        } finally {
            spark.stop();
        }
    }

    @Test
    void paramsAreTheTrainFlagsAndAreCheckedAsTheFlagsAre() {
        CharRnn e = new CharRnn();
        for (TrainFlags.Flag f : TrainFlags.params()) {
            assertTrue(e.hasParam(f.param()), f.name());
        }
        assertEquals(128, e.getOrDefault(e.getParam("hidden")));
        assertFalse(e.hasParam("corpus"));
        UserError unknown = assertThrows(UserError.class, () -> e.setParam("hiden", 3));
        assertTrue(unknown.getMessage().contains("no param hiden"), unknown.getMessage());
        UserError notAnInt = assertThrows(UserError.class, () -> e.setParam("epochs", 1.5));
        assertEquals("param epochs (--epochs) takes int values, got 1.5", notAnInt.getMessage());
        assertThrows(UserError.class, () -> e.setParam("resume", "yes"));
        SparkSession spark = session();
        try {
            Dataset<Row> data = lines(spark);
            UserError noOutput = assertThrows(UserError.class, () -> new CharRnn().setTextCol("msg").fit(data));
            assertTrue(noOutput.getMessage().contains("set output"), noOutput.getMessage());
            UserError badLayers = assertThrows(UserError.class, () -> estimator(dir.resolve("bad").toString())
                    .setParam("layers", 0).fit(data));
            assertEquals("--layers must be between 1 and 16, got 0", badLayers.getMessage());
            UserError notString = assertThrows(UserError.class, () -> estimator(dir.resolve("bad2").toString())
                    .setTextCol("id").fit(data));
            assertTrue(notString.getMessage().contains("not a string"), notString.getMessage());
        } finally {
            spark.stop();
        }
    }
}
