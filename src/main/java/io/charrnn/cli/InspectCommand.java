package io.charrnn.cli;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.CheckpointMeta;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.model.LossMeter;
import io.charrnn.model.ModelConfig;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Describe a checkpoint: configuration, vocabulary, parameters, progress and losses.")
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() {
        Configuration hadoop = sparkConf.hadoopConfiguration("charrnn inspect");
        String source = RunDirectory.resolveUri(checkpoint.uri, hadoop);
        Checkpoint ckpt = RunDirectory.load(source, hadoop, false);
        CheckpointMeta meta = ckpt.meta();
        TrainConfig train = meta.train();
        ModelConfig model = train.model();
        Progress p = meta.progress();
        Vocabulary vocabulary = meta.vocabulary();
        long parameters = ckpt.network().numParams();
        long iteration = ckpt.network().getLayerWiseConfigurations().getIterationCount();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint", source);
            m.put("format", meta.format());
            m.put("version", meta.version());
            m.put("created_at", meta.createdAt());
            m.put("parameters", parameters);
            m.put("vocabulary_size", vocabulary.size());
            m.put("vocabulary", new String(vocabulary.codePoints(), 0, vocabulary.size()));
            m.put("unknown_symbol", vocabulary.hasUnknown());
            m.put("corpus_chars", vocabulary.totalCount());
            m.put("epoch", p.epochFraction());
            m.put("rounds", p.totalRounds());
            m.put("iteration", iteration);
            m.put("chars_trained", p.charsTrained());
            m.put("train_seconds", p.trainSeconds());
            m.put("train_loss", p.trainLoss());
            m.put("val_loss", p.valLoss());
            m.put("val_bits", LossMeter.bits(p.valLoss()));
            m.put("best_val_loss", p.bestValLoss());
            m.put("schedule", meta.schedule());
            m.put("config", train);
            m.put("provenance", meta.provenance());
            out.println(Json.write(m));
            return 0;
        }
        out.printf(Locale.ROOT, "checkpoint   %s%n", source);
        out.printf(Locale.ROOT, "written      %s (%s v%d)%n", meta.createdAt(), meta.format(), meta.version());
        out.printf(Locale.ROOT, "model        %d x %d LSTM, %,d parameters, seq-length %d, dropout %s, Adam lr %s,"
                        + " grad-clip %s%n", model.layers(), model.hidden(), parameters, model.seqLength(),
                model.dropout(), model.learningRate(), model.gradClip());
        out.printf(Locale.ROOT, "symbols      %s%n", model.adaptive() == null ? "char-rnn's input and softmax"
                : model.adaptive().describe(model.hidden()));
        out.printf(Locale.ROOT, "vocabulary   %d symbols%s from %,d characters of %s%n", vocabulary.size(),
                vocabulary.hasUnknown() ? " (U+FFFD stands for every other symbol)" : "", vocabulary.totalCount(),
                train.corpus());
        var batch = meta.batch();
        out.printf(Locale.ROOT, "training     window %d, %s, averaging every %d, val-fraction %s%n", train.window(),
                train.globalBatch() == null ? "batch " + train.batchSize() + " per worker"
                        : "global batch " + train.globalBatch() + (batch == null ? "" : ", now " + batch.globalBatch()
                        + " windows per step, noise scale " + String.format(Locale.ROOT, "%.0f",
                        batch.noise().windows())), train.averagingFrequency(), train.valFraction());
        out.printf(Locale.ROOT, "progress     epoch %.2f, %d rounds (%d per epoch), iteration %d, %,d characters"
                        + " in %.0f s%n", p.epochFraction(), p.totalRounds(), p.roundsPerEpoch(), iteration,
                p.charsTrained(), p.trainSeconds());
        out.printf(Locale.ROOT, "loss         train %.4f, validation %.4f nats/char (%.4f bits/char), best %.4f%n",
                p.trainLoss(), p.valLoss(), LossMeter.bits(p.valLoss()), p.bestValLoss());
        out.printf(Locale.ROOT, "schedule     %s%n", schedule(train, meta.schedule()));
        if (meta.provenance() == null) {
            out.printf(Locale.ROOT, "made by      (not recorded: a checkpoint from before provenance)%n");
        } else {
            var v = meta.provenance();
            out.printf(Locale.ROOT, "made by      charrnn %s, commit %s (Spark %s build, DL4J %s), %s, %s on %s,"
                            + " %s workers%n",
                    v.get("charrnn"), v.get("commit"), v.get("spark_build"), v.get("dl4j"), v.get("jvm"),
                    v.containsKey("spark") ? "Spark " + v.get("spark") + " / Hadoop " + v.get("hadoop") : "no Spark",
                    v.getOrDefault("master", v.getOrDefault("runner", "?")), v.get("workers"));
            out.printf(Locale.ROOT, "data         %s%n", v.getOrDefault("corpus_fingerprint", "(not recorded)"));
        }
        return 0;
    }

    /** The learning-rate schedule, its cycle and where --patience stands in it. */
    private static String schedule(io.charrnn.training.TrainConfig train,
                                   io.charrnn.training.LearningRateSchedule.Cycle cycle) {
        String kind = train.lrSchedule() != null ? train.lrSchedule() : "step (chosen before schedules were)";
        if (cycle == null) {
            return kind;
        }
        String patience = cycle.endsEarly() ? String.format(Locale.ROOT, "; --patience ended it early: decaying"
                + " from epoch %.2f, stopping at %.2f", cycle.decayFrom(), cycle.stopAt())
                : train.patience() > 0 ? String.format(Locale.ROOT, "; --patience %d: %d validations without a new"
                + " best", train.patience(), cycle.stalled()) : "";
        return String.format(Locale.ROOT, "%s, cycle from epoch %.2f to %d%s", kind, cycle.fromEpoch(),
                cycle.toEpoch(), patience);
    }
}
