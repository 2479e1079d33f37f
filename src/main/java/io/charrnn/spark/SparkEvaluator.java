package io.charrnn.spark;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.TextTable;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.model.LossMeter;
import io.charrnn.training.TrainConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/** Scores a checkpoint on a corpus with Spark: all of it, or the training run's validation or training split. */
public final class SparkEvaluator {
    public enum Split { all, validation, train }

    /**
     * @param natsPerChar     mean cross-entropy of the scored characters
     * @param chars           characters scored
     * @param unknownSymbols  characters without an id of their own in the model's vocabulary: mapped to its unknown
     *                        symbol if it has one, else skipped
     */
    public record Result(double natsPerChar, long chars, long unknownSymbols) {
    }

    private SparkEvaluator() {
    }

    /** @param carried carry the LSTM state through consecutive windows (see {@link Evaluation#loss}) */
    /** @param table how to read the corpus as a table, or null for text files and prepared datasets */
    public static Result evaluate(JavaSparkContext jsc, Checkpoint checkpoint, String corpusUri, TextTable table,
                                  Split split, int batchSize, boolean carried) {
        TrainConfig trained = checkpoint.meta().train();
        CorpusSource source = CorpusSource.open(jsc, corpusUri, CorpusOptions.defaults(trained.valFraction(),
                trained.partitions() == null ? 0 : trained.partitions()).withTable(table));
        if (split != Split.all && source.valFraction() != trained.valFraction()) {
            throw new UserError("--split " + split + ": the prepared dataset " + corpusUri + " holds out "
                    + source.valFraction() + " for validation but the model's run held out " + trained.valFraction()
                    + ", so its splits differ; use --split all, or a dataset prepared with --val-fraction "
                    + trained.valFraction());
        }
        Broadcast<Vocabulary> vocabulary = jsc.broadcast(checkpoint.meta().vocabulary());
        LongAccumulator unknown = jsc.sc().longAccumulator("symbols outside the vocabulary");
        int window = trained.window();
        // The validation split is cut exactly as training cut it, so its loss matches the one training recorded;
        // otherwise every segment's remainder is scored too.
        boolean keepRemainders = split != Split.validation;

        jsc.setJobDescription("charrnn eval: read and encode " + corpusUri);
        JavaRDD<EncodedWindow> windows = source.runs(vocabulary, unknown)
                .mapPartitions(runs -> new WindowCutter(runs, window, keepRemainders))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        windows.count();
        long unknownSymbols = unknown.value();

        JavaRDD<EncodedWindow> scored = switch (split) {
            case all -> windows;
            case train -> windows.filter(w -> !w.isValidation());
            case validation -> Evaluation.validationSubset(windows, trained.valMaxChars(), window).windows();
        };
        jsc.setJobDescription("charrnn eval: score " + split + " split");
        LossMeter meter = Evaluation.loss(jsc, checkpoint.network(), scored, batchSize, carried);
        windows.unpersist(false);
        return new Result(meter.natsPerChar(), meter.count(), unknownSymbols);
    }
}
