package io.charrnn.spark;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.cli.TrainFlags;
import io.charrnn.common.UserError;
import io.charrnn.ml.CharRnnModel;
import org.apache.spark.api.java.JavaSparkContext;
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

/** A catalog table, named as train's --corpus names it, trained on and scored in the session that has it. */
class CatalogTableTest {
    @TempDir
    Path dir;

    @Test
    void aCatalogTableIsTrainedOnAndScoredByItsName() {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString()).getOrCreate();
        try {
            List<Row> rows = new ArrayList<>();
            long id = 0;
            for (String line : TestCorpora.prose(30_000).lines().filter(l -> !l.isEmpty()).toList()) {
                rows.add(RowFactory.create(id++, line));
            }
            spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType)
                    .add("msg", DataTypes.StringType)).write().saveAsTable("logs");
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            String run = dir.resolve("run").toUri().toString();
            TrainFlags.fit(List.of("--text-column", "msg", "--key-column", "id", "--output", run, "--hidden", "16",
                    "--layers", "1", "--epochs", "1", "--window", "100", "--seq-length", "50", "--batch-size", "8",
                    "--sample-chars", "0", "--val-fraction", "0.1"), "logs", jsc.hadoopConfiguration(),
                    (config, options) -> SparkRoundRunner.within(jsc, config, CorpusSource.open(jsc, "logs",
                            options)));
            Checkpoint best = RunDirectory.resolve(run, jsc.hadoopConfiguration(), false);
            assertEquals("logs", best.meta().train().corpus());
            assertEquals("id", best.meta().train().table().keyColumn());
            assertTrue(best.meta().progress().valLoss() < Math.log(best.meta().vocabulary().size()));

            Dataset<Row> table = TableCorpus.readTable(spark, "logs", "auto");
            Dataset<Row> scored = CharRnnModel.fromCheckpoint(run, jsc.hadoopConfiguration()).setTextCol("msg")
                    .transform(table);
            assertEquals(rows.size(), scored.where("nats_per_char > 0").count());
            UserError notThere = assertThrows(UserError.class, () -> TableCorpus.readTable(spark, "no_such_table",
                    "table"));
            assertTrue(notThere.getMessage().startsWith("cannot read the table no_such_table: "),
                    notThere.getMessage());
        } finally {
            spark.stop();
        }
    }
}
