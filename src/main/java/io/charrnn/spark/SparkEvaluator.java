package io.charrnn.spark;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.TextLine;
import io.charrnn.corpus.ValidationSplit;
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
     * @param unknownSymbols  characters outside the vocabulary, skipped
     */
    public record Result(double natsPerChar, long chars, long unknownSymbols) {
    }

    private SparkEvaluator() {
    }

    public static Result evaluate(JavaSparkContext jsc, Checkpoint checkpoint, String corpusUri, Split split,
                                  int batchSize) {
        TrainConfig trained = checkpoint.meta().train();
        Broadcast<Vocabulary> vocabulary = jsc.broadcast(checkpoint.meta().vocabulary());
        ValidationSplit validationSplit = new ValidationSplit(trained.valFraction());
        LongAccumulator unknown = jsc.sc().longAccumulator("symbols outside the vocabulary");
        int window = trained.window();
        // The validation split is cut exactly as training cut it, so its loss matches the one training recorded;
        // otherwise every segment's remainder is scored too.
        boolean keepRemainders = split != Split.validation;

        jsc.setJobDescription("charrnn eval: read and encode " + corpusUri);
        JavaRDD<TextLine> lines = CorpusRdds.lines(jsc, corpusUri);
        JavaRDD<EncodedWindow> windows = lines.mapPartitions(it -> new WindowCutter(it, vocabulary.value(),
                validationSplit, window, keepRemainders, unknown::add))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        windows.count();
        long unknownSymbols = unknown.value();

        JavaRDD<EncodedWindow> scored = switch (split) {
            case all -> windows;
            case train -> windows.filter(w -> !w.isValidation());
            case validation -> Evaluation.validationSubset(windows, trained.valMaxChars(), window);
        };
        jsc.setJobDescription("charrnn eval: score " + split + " split");
        LossMeter meter = Evaluation.loss(jsc, checkpoint.network(), scored, batchSize);
        windows.unpersist(false);
        return new Result(meter.natsPerChar(), meter.count(), unknownSymbols);
    }
}
