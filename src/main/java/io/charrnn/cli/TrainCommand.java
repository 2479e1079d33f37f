package io.charrnn.cli;

import io.charrnn.checkpoint.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.UserError;
import io.charrnn.model.LossMeter;
import io.charrnn.spark.CorpusRdds;
import io.charrnn.spark.SparkSetup;
import io.charrnn.spark.SparkTrainer;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a char-LSTM on Spark; checkpoints, pointers and metrics.jsonl go to --output.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainOptions options;

    @Option(names = "--output", required = true, paramLabel = "URI",
            description = "Run directory on any Hadoop filesystem; must be new or empty unless --resume or --overwrite.")
    String output;

    @Option(names = "--resume", description = "Continue the run in --output from its latest checkpoint.")
    boolean resume;

    @Option(names = "--overwrite", description = "Delete the run in --output and start a new one.")
    boolean overwrite;

    @Override
    public Integer call() {
        TrainResult result = run(options, output, resume, overwrite);
        spec.commandLine().getErr().println(summary(result, output));
        return 0;
    }

    static TrainResult run(TrainOptions options, String output, boolean resume, boolean overwrite) {
        TrainConfig config = options.toConfig(output);
        if (resume && overwrite) {
            throw new UserError("--resume and --overwrite exclude each other; pick one");
        }
        SparkConf sparkConf = SparkSetup.configure("charrnn train", options.sparkConf);
        Configuration hadoopConf = hadoopConfiguration(sparkConf);
        CorpusRdds.sizeOf(hadoopConf, config.corpus());
        RunDirectory run = new RunDirectory(output, hadoopConf);
        boolean continuing = prepareOutput(run, output, resume, overwrite);
        try (JavaSparkContext jsc = new JavaSparkContext(sparkConf)) {
            jsc.setLogLevel("WARN");
            if (!continuing) {
                run.writeText(RunDirectory.RUN_FILE, Json.write(Map.of("format", "charrnn-run", "version", 1,
                        "config", config)) + "\n");
            }
            return new SparkTrainer(jsc, config, new RunDirectory(output, jsc.hadoopConfiguration()))
                    .train(continuing);
        }
    }

    /** Checks --output before Spark starts; returns true when an existing run is to be continued. */
    static boolean prepareOutput(RunDirectory run, String output, boolean resume, boolean overwrite) {
        if (run.isFile()) {
            throw new UserError("--output " + output + " is a file; give a directory for the run");
        }
        if (run.holdsRun()) {
            if (overwrite) {
                run.deleteAll();
                return false;
            }
            if (resume) {
                return true;
            }
            throw new UserError("--output " + output + " already holds a training run; add --resume to continue it"
                    + " or --overwrite to replace it");
        }
        if (!run.isEmpty()) {
            throw new UserError("--output " + output + " is not empty and holds no charrnn run; choose a new or "
                    + "empty directory");
        }
        if (resume) {
            throw new UserError("--resume: " + output + " holds no run to resume; drop --resume to start one");
        }
        return false;
    }

    /** Hadoop settings as Spark will see them: the defaults plus every spark.hadoop.* entry. */
    static Configuration hadoopConfiguration(SparkConf sparkConf) {
        Configuration conf = new Configuration();
        for (Tuple2<String, String> e : sparkConf.getAllWithPrefix("spark.hadoop.")) {
            conf.set(e._1(), e._2());
        }
        return conf;
    }

    static String summary(TrainResult r, String output) {
        var p = r.progress();
        return String.format(Locale.ROOT, "charrnn: trained %.2f epochs (%,d characters, %,.0f chars/s); "
                        + "validation loss %.4f nats/char (%.4f bits/char), best %.4f; %s%s in %s",
                p.epochFraction(), p.charsTrained(), p.charsTrained() / Math.max(1e-9, p.trainSeconds()),
                p.valLoss(), LossMeter.bits(p.valLoss()), p.bestValLoss(),
                r.outOfTime() ? "stopped by --max-minutes; " : "",
                "latest " + r.latestCheckpoint() + ", best " + r.bestCheckpoint(), output);
    }
}
