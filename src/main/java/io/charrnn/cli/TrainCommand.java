package io.charrnn.cli;

import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.UserError;
import io.charrnn.model.LossMeter;
import io.charrnn.corpus.CorpusFiles;
import io.charrnn.dataset.PreparedDataset;
import io.charrnn.spark.SparkSetup;
import io.charrnn.spark.SparkRoundRunner;
import io.charrnn.session.RunStart;
import io.charrnn.session.TrainingSession;
import io.charrnn.training.LocalRoundRunner;
import io.charrnn.training.RoundRunner;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a char-LSTM on Spark; checkpoints, pointers and metrics.jsonl go to --output.")
public final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    TrainOptions options;

    @Option(names = "--output", required = true, paramLabel = "URI",
            description = "Run directory on any Hadoop filesystem; must be new or empty unless --resume or --overwrite.")
    String output;

    @Option(names = "--resume", description = "Continue the run in --output from its latest checkpoint (automatic "
            + "when the settings are the same).")
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
        return run(options, output, resume, overwrite, false);
    }

    /** {@code singleProcess}: the rounds run in this thread without Spark, the corpus read into memory. */
    static TrainResult run(TrainOptions options, String output, boolean resume, boolean overwrite,
                           boolean singleProcess) {
        SparkConf sparkConf = SparkSetup.configure("charrnn train", options.sparkConf.values);
        Configuration hadoopConf = hadoopConfiguration(sparkConf);
        options.toConfig(output); // settings out of range are reported before the corpus is looked at
        checkCorpus(options, hadoopConf);
        checkOutsideCorpus(options.corpus, output, hadoopConf, "run");
        TrainConfig config = options.toConfig(output);
        return train(options, config, resume, overwrite, hadoopConf, (c, corpusOptions) -> singleProcess
                ? localRunner(hadoopConf, c, corpusOptions) : SparkRoundRunner.start(sparkConf, c, corpusOptions));
    }

    /**
     * Starts, continues or replaces the run in the configuration's output, once the settings and the corpus are
     * checked, training with the runner that {@code runners} makes (the CLI's own Spark, or a caller's session).
     */
    static TrainResult train(TrainOptions options, TrainConfig config, boolean resume, boolean overwrite,
                             Configuration hadoopConf,
                             java.util.function.BiFunction<TrainConfig, CorpusOptions, RoundRunner> runners) {
        if (resume && overwrite) {
            throw new UserError("--resume and --overwrite exclude each other; pick one");
        }
        if (!(options.lockStaleMinutes * 60 >= 1)) {
            throw new UserError("--lock-stale-minutes must be at least one second (0.017), got "
                    + options.lockStaleMinutes);
        }
        if (config.initFrom() != null) {
            RunDirectory.resolveUri(config.initFrom(), hadoopConf);
        }
        RunDirectory run = new RunDirectory(config.output(), hadoopConf);
        Duration stale = Duration.ofMillis(Math.round(options.lockStaleMinutes * 60_000));
        CorpusOptions corpusOptions = options.corpusOptions(config.valFraction());
        try (RunStart start = RunStart.open(run, config, stale, resume, overwrite);
             RoundRunner runner = runners.apply(config, corpusOptions)) {
            return new TrainingSession(config, run, runner, hadoopConf).train(start.resumed());
        }
    }

    private static RoundRunner localRunner(Configuration hadoopConf, TrainConfig config, CorpusOptions options) {
        if (options.table() != null) {
            throw new UserError("--single-process reads text files, and --text-column reads a table with Spark SQL;"
                    + " drop --single-process");
        }
        if (PreparedDataset.openIfPresent(hadoopConf, config.corpus()).isPresent()) {
            throw new UserError("--single-process reads raw text into memory, and " + config.corpus() + " is a"
                    + " prepared dataset; give the raw corpus");
        }
        return new LocalRoundRunner(LocalCorpus.read(hadoopConf, config.corpus(), options), config.window(),
                config.valMaxChars());
    }

    /**
     * Fails fast, before Spark starts, on a corpus that is not there or a prepared dataset that does not check out;
     * a prepared dataset's validation share becomes the run's.
     */
    static void checkCorpus(TrainOptions options, Configuration hadoopConf) {
        if (options.vocabulary.table() != null) {
            return; // a table is read and checked by Spark SQL, which is not started yet
        }
        PreparedDataset.openIfPresent(hadoopConf, options.corpus).ifPresentOrElse(
                dataset -> options.useDatasetSplit(options.corpus, dataset.manifest()),
                () -> CorpusFiles.list(hadoopConf, options.corpus));
    }

    /**
     * A run (or dataset) inside its corpus directory would read its own files back as text: a run its metrics,
     * samples and checkpoints, a dataset its shards and manifest, growing by a copy on every re-run.
     */
    static void checkOutsideCorpus(String corpus, String output, Configuration hadoopConf, String what) {
        String c = qualified(corpus, hadoopConf);
        String o = qualified(output, hadoopConf);
        // The same path as a corpus file is refused later as "a file".
        if (c != null && o != null && (o.startsWith(c.endsWith("/") ? c : c + "/")
                || (o.equals(c) && isDirectory(corpus, hadoopConf)))) {
            throw new UserError("--output " + output + " is inside --corpus " + corpus + ": the " + what + "'s own"
                    + " files would be read back as text; put the " + what + " somewhere else");
        }
    }

    private static boolean isDirectory(String uri, Configuration hadoopConf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            return p.getFileSystem(hadoopConf).getFileStatus(p).isDirectory();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String qualified(String uri, Configuration hadoopConf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            return p.getFileSystem(hadoopConf).makeQualified(p).toString();
        } catch (IOException | IllegalArgumentException e) {
            return null; // Unreachable or malformed: reported where it is used.
        }
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
                r.outOfTime() ? "stopped by --max-minutes; " : r.stoppedEarly() ? "stopped early by --patience; " : "",
                "latest " + r.latestCheckpoint() + ", best " + r.bestCheckpoint(), output);
    }
}
