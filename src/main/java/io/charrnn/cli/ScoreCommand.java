package io.charrnn.cli;

import io.charrnn.common.UserError;
import io.charrnn.corpus.TextTable;
import io.charrnn.ml.CharRnnModel;
import io.charrnn.spark.SparkSetup;
import io.charrnn.spark.TableCorpus;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score every row of a table with a checkpoint, on the executors, and write the rows with their"
                + " log-likelihood, nats/char and bits/char as Parquet.")
public final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--input", required = true, paramLabel = "TABLE",
            description = "The rows to score: a catalog table, or Parquet, ORC or JSON-lines files on any Hadoop"
                    + " filesystem.")
    String input;

    @Option(names = "--text-column", required = true, paramLabel = "COLUMN",
            description = "The string column scored, one document per row.")
    String textColumn;

    @Option(names = "--table-format", defaultValue = TextTable.DEFAULT_FORMAT,
            description = "auto (a catalog table if the name is one, else the files' format from their names),"
                    + " table, parquet, orc or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--output", required = true, paramLabel = "URI",
            description = "Where the scored rows go (a Parquet directory; it must not exist, unless --overwrite).")
    String output;

    @Option(names = "--overwrite", description = "Replace --output if it exists.")
    boolean overwrite;

    @Option(names = "--group-rows", defaultValue = "32",
            description = "Rows scored side by side in a task (default: ${DEFAULT-VALUE}).")
    int groupRows;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() throws IOException {
        if (groupRows < 1) {
            throw new UserError("--group-rows must be 1 or more, got " + groupRows);
        }
        String tableFormat = format.trim().toLowerCase(Locale.ROOT);
        if (!TextTable.FORMATS.contains(tableFormat)) {
            throw new UserError("--table-format must be one of " + String.join(", ", TextTable.FORMATS) + ", got "
                    + format);
        }
        SparkConf conf = SparkSetup.configure("charrnn score", sparkConf.values);
        Configuration hadoop = TrainCommand.hadoopConfiguration(conf);
        Path out = new Path(output);
        if (!overwrite && out.getFileSystem(hadoop).exists(out)) {
            throw new UserError("--output " + output + " exists; choose a new path, or pass --overwrite");
        }
        CharRnnModel model = CharRnnModel.fromCheckpoint(checkpoint.uri, hadoop).setTextCol(textColumn)
                .setGroupRows(groupRows);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            spark.sparkContext().setLogLevel("WARN");
            Dataset<Row> rows = TableCorpus.readTable(spark, input, tableFormat);
            // A small table may be one file of one row group, read by one task: spread it over every task slot
            // (scoring is row by row, so the rows' order does not matter; the output keeps every column).
            int slots = spark.sparkContext().defaultParallelism();
            if (rows.javaRDD().getNumPartitions() < slots) {
                rows = rows.repartition(slots);
            }
            long started = System.nanoTime();
            spark.sparkContext().setJobDescription("charrnn score: " + input);
            Dataset<Row> scored = model.transform(rows);
            scored.write().mode(overwrite ? "overwrite" : "errorifexists").parquet(output);
            double seconds = (System.nanoTime() - started) / 1e9;
            Row totals = spark.read().parquet(output).selectExpr("count(*)",
                    "count(" + quoted(model.getOrDefault(model.natsPerCharCol())) + ")").first();
            spec.commandLine().getOut().println(String.format(Locale.ROOT,
                    "%,d rows scored (%,d with text) into %s in %.1f s", totals.getLong(0), totals.getLong(1), output,
                    seconds));
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static String quoted(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
