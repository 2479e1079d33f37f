package io.charrnn.cli;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.UserError;
import io.charrnn.model.LossMeter;
import io.charrnn.corpus.CorpusFiles;
import io.charrnn.dataset.PreparedDataset;
import io.charrnn.spark.SparkEvaluator;
import io.charrnn.spark.SparkSetup;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.charrnn.corpus.TextTable;
import io.charrnn.training.TrainConfig;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a checkpoint on a corpus with Spark: nats/char, bits/char and perplexity.")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--corpus", required = true, paramLabel = "URI",
            description = "Text to score: a file, directory or glob on any Hadoop filesystem, a prepared "
                    + "dataset (whose symbols are translated to the model's), or a table with --text-column (the"
                    + " run's own table is read as the run read it).")
    String corpus;

    @Option(names = "--split", defaultValue = "all",
            description = "Which text to score: all, or the training run's validation or train split "
                    + "(validation reproduces the loss recorded during training) (default: ${DEFAULT-VALUE}).")
    SparkEvaluator.Split split;

    @Option(names = "--batch-size", defaultValue = "32", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--state", defaultValue = "carried",
            description = "carried: the LSTM state runs on through consecutive windows of a file, as char-rnn scores"
                    + " a text (and as training's validation loss is measured); cold: every window starts from a zero"
                    + " state, so its first characters are predicted without context (default: ${DEFAULT-VALUE}).")
    State state;

    enum State { carried, cold }

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin
    TableOptions table;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() {
        if (batchSize < 1) {
            throw new UserError("--batch-size must be at least 1, got " + batchSize);
        }
        SparkConf conf = SparkSetup.configure("charrnn eval", sparkConf.values);
        Configuration hadoop = TrainCommand.hadoopConfiguration(conf);
        String source = RunDirectory.resolveUri(checkpoint.uri, hadoop);
        Checkpoint ckpt = RunDirectory.load(source, hadoop, false);
        TextTable reading = table.toTextTable();
        TrainConfig trained = ckpt.meta().train();
        if (reading == null && PreparedDataset.openIfPresent(hadoop, corpus).isEmpty()) {
            if (trained.table() != null && corpus.equals(trained.corpus())) {
                reading = trained.table(); // the run's own table, read as the run read it
            } else {
                CorpusFiles.list(hadoop, corpus);
            }
        }
        SparkEvaluator.Result r;
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            jsc.setLogLevel("WARN");
            r = SparkEvaluator.evaluate(jsc, ckpt, corpus, reading, split, batchSize, state == State.carried);
        }
        if (r.chars() == 0) {
            throw new UserError("nothing to score: the " + split + " split of " + corpus
                    + " has no whole window; try --split all");
        }
        boolean mapped = ckpt.meta().vocabulary().hasUnknown();
        // Symbols mapped to the unknown symbol are among those scored; skipped ones are not.
        double total = mapped ? r.chars() : r.chars() + r.unknownSymbols();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint", source);
            m.put("corpus", corpus);
            m.put("split", split.name());
            m.put("state", state.name());
            m.put("nats_per_char", r.natsPerChar());
            m.put("bits_per_char", LossMeter.bits(r.natsPerChar()));
            m.put("perplexity", Math.exp(r.natsPerChar()));
            m.put("chars", r.chars());
            m.put("out_of_vocabulary", r.unknownSymbols());
            spec.commandLine().getOut().println(Json.write(m));
        } else {
            spec.commandLine().getOut().println(String.format(Locale.ROOT,
                    "%.4f nats/char | %.4f bits/char | perplexity %.3f | %,d characters scored (%s) | "
                            + "%,d outside the vocabulary (%.3f%%) %s",
                    r.natsPerChar(), LossMeter.bits(r.natsPerChar()), Math.exp(r.natsPerChar()), r.chars(),
                    split + " split, state " + state, r.unknownSymbols(), 100.0 * r.unknownSymbols() / total,
                    mapped ? "scored as the unknown symbol" : "skipped"));
        }
        return 0;
    }
}
