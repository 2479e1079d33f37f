package io.charrnn.training;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.charrnn.common.Uris;
import io.charrnn.common.UserError;
import io.charrnn.corpus.TextTable;
import io.charrnn.model.ModelConfig;

import java.io.Serializable;

/**
 * Everything a training run was asked to do. Stored in every checkpoint, so a checkpoint alone tells how it was
 * made and a resumed run can check that it continues the same run. The defaults live in the CLI's option
 * definitions ({@code cli.TrainOptions}).
 *
 * <p>The batch: {@code globalBatch} is the windows behind a step across all workers ({@code --global-batch}: a
 * number, or {@link BatchSchedule#AUTO}), and {@code batchSize} the per-worker minibatch it gave at the start; a run
 * with no {@code globalBatch} trains every worker on {@code batchSize} windows ({@code --batch-size}, and every run
 * from before the global batch). Neither given ({@code batchSize} 0, no {@code globalBatch}): a new run takes the
 * default global batch, a resumed one the batch it had ({@link #withBatchOf}).
 *
 * <p>{@code partitions}: the Spark partitions raw text is read in, 0 from the data size alone; null in a run from
 * before it was recorded, which is then not compared (its windows were cut by whatever --partitions it had).
 *
 * <p>{@code table}: how the corpus is read when it is a table ({@code --text-column} and its flags); null for text
 * files and prepared datasets.
 *
 * <p>{@code patience}: validations in a row without a new best that end a job early ({@code --patience}, 0 never);
 * not compared on resume (it decides when a job stops, as --max-minutes does); 0 in runs from before it.
 */
public record TrainConfig(@JsonSerialize(using = Uris.RedactedSerializer.class) String corpus,
                          @JsonSerialize(using = Uris.RedactedSerializer.class) String output, ModelConfig model,
                          int window, int batchSize,
                          int averagingFrequency, double valFraction, int epochs, double maxMinutes,
                          int checkpointEvery, int workers, long valMaxChars, int sampleChars,
                          double lrDecay, int lrDecayAfter, int keep,
                          @JsonSerialize(using = Uris.RedactedSerializer.class) String initFrom, Averaging averaging,
                          String globalBatch, Integer partitions, String lrSchedule, TextTable table, int patience)
        implements Serializable {

    public TrainConfig {
        if (averaging == null) {
            averaging = Averaging.PLAIN; // a run from before the setting existed
        }
        require(model.layers() >= 1 && model.layers() <= 16, "--layers must be between 1 and 16, got " + model.layers());
        require(model.hidden() >= 1 && model.hidden() <= 8192, "--hidden must be between 1 and 8192, got " + model.hidden());
        require(model.seqLength() >= 1, "--seq-length must be at least 1, got " + model.seqLength());
        require(window >= 2, "--window must be at least 2, got " + window);
        require(model.seqLength() <= window, "--seq-length (" + model.seqLength() + ") must not exceed --window ("
                + window + ")");
        require(window <= 1_000_000, "--window must be at most 1000000, got " + window);
        require(batchSize >= 0 && batchSize <= 100_000, "--batch-size must be between 1 and 100000, got " + batchSize);
        BatchSchedule.checked(globalBatch);
        require(globalBatch == null || !globalBatch.startsWith(BatchSchedule.AUTO) || averaging == null
                || averaging.mode() != Averaging.Mode.DL4J, "--global-batch " + globalBatch + " changes the batch"
                + " during training, which DL4J's master cannot; give a number, or --averaging outer");
        require(averagingFrequency >= 1, "--averaging-frequency must be at least 1, got " + averagingFrequency);
        require(model.learningRate() > 0 && model.learningRate() < 10,
                "--learning-rate must be in (0, 10), got " + model.learningRate());
        require(model.dropout() >= 0 && model.dropout() < 1, "--dropout must be in [0, 1), got " + model.dropout());
        require(model.gradClip() >= 0, "--grad-clip must be 0 (off) or positive, got " + model.gradClip());
        require(valFraction > 0 && valFraction < 0.5, "--val-fraction must be in (0, 0.5), got " + valFraction);
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(maxMinutes >= 0, "--max-minutes must be 0 (no limit) or positive, got " + maxMinutes);
        require(checkpointEvery >= 1, "--checkpoint-every must be at least 1, got " + checkpointEvery);
        require(workers >= 0, "--workers must be 0 (one per Spark task slot) or positive, got " + workers);
        require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1], got " + lrDecay);
        require(lrSchedule == null || LearningRateSchedule.KINDS.contains(lrSchedule), "--lr-schedule must be one of "
                + String.join(", ", LearningRateSchedule.KINDS) + ", got " + lrSchedule);
        require(patience >= 0, "--patience must be 0 (never stop early) or more, got " + patience);
        require(lrDecayAfter >= 0, "--lr-decay-after must be 0 or more, got " + lrDecayAfter);
        require(keep >= 0, "--keep must be 0 (keep all) or more, got " + keep);
        require(sampleChars >= 0 && sampleChars <= 100_000, "--sample-chars must be between 0 and 100000, got "
                + sampleChars);
        require(valMaxChars >= window, "--val-max-chars must be at least one window (" + window + "), got "
                + valMaxChars);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new UserError(message);
        }
    }

    /** The parts of the configuration that must match for a run to be continued from its checkpoint. */
    public boolean sameRunAs(TrainConfig other) {
        return differencesFrom(other).isEmpty();
    }

    /** This configuration with the number of workers it trains with, for a {@code --workers 0} resolved at start. */
    public TrainConfig withWorkers(int resolved) {
        return new TrainConfig(corpus, output, model, window, batchSize, averagingFrequency, valFraction, epochs,
                maxMinutes, checkpointEvery, resolved, valMaxChars, sampleChars, lrDecay, lrDecayAfter, keep, initFrom,
                averaging, globalBatch, partitions, lrSchedule, table, patience);
    }

    /** This configuration with another model configuration, for the output layout resolved at start. */
    public TrainConfig withModel(ModelConfig resolved) {
        return new TrainConfig(corpus, output, resolved, window, batchSize, averagingFrequency, valFraction, epochs,
                maxMinutes, checkpointEvery, workers, valMaxChars, sampleChars, lrDecay, lrDecayAfter, keep, initFrom,
                averaging, globalBatch, partitions, lrSchedule, table, patience);
    }

    /**
     * This configuration with its learning-rate schedule settled: as given, else that of {@code run} (the run it
     * continues; char-rnn's step for a run from before schedules were chosen), else the default for a new run.
     */
    public TrainConfig withScheduleOf(TrainConfig run) {
        String settled = lrSchedule != null ? lrSchedule : run == null ? LearningRateSchedule.DEFAULT
                : run.lrSchedule != null ? run.lrSchedule : LearningRateSchedule.STEP;
        return new TrainConfig(corpus, output, model, window, batchSize, averagingFrequency, valFraction, epochs,
                maxMinutes, checkpointEvery, workers, valMaxChars, sampleChars, lrDecay, lrDecayAfter, keep, initFrom,
                averaging, globalBatch, partitions, settled, table, patience);
    }

    /** The schedule to train with: as settled (see {@link #withScheduleOf}), else the default for a new run. */
    public String lrScheduleOrDefault() {
        return lrSchedule != null ? lrSchedule : LearningRateSchedule.DEFAULT;
    }

    /** Whether the batch was left to the default (a new run) or to the run continued. */
    public boolean batchUnset() {
        return globalBatch == null && batchSize == 0;
    }

    /**
     * This configuration with its batch settled: as given, else those of {@code run} (the run it continues), else
     * the default global batch for this many workers.
     */
    public TrainConfig withBatchOf(TrainConfig run, int workerCount) {
        if (!batchUnset()) {
            return this;
        }
        return run != null ? withBatch(run.batchSize, run.globalBatch)
                : withBatch(0, Integer.toString(BatchSchedule.defaultGlobal(workerCount)));
    }

    /** This configuration with the per-worker minibatch its global batch gives at the start of a job. */
    public TrainConfig withStartBatch(int perWorker) {
        return withBatch(perWorker, globalBatch);
    }

    private TrainConfig withBatch(int perWorker, String global) {
        return new TrainConfig(corpus, output, model, window, perWorker, averagingFrequency, valFraction, epochs,
                maxMinutes, checkpointEvery, workers, valMaxChars, sampleChars, lrDecay, lrDecayAfter, keep, initFrom,
                averaging, global, partitions, lrSchedule, table, patience);
    }

    /** The batch setting as its flag, for messages. */
    private String batchFlag() {
        return globalBatch != null ? "--global-batch " + globalBatch : "--batch-size " + batchSize;
    }

    /** The settings that differ from those of another run and keep this one from continuing it, as flags. */
    public java.util.List<String> differencesFrom(TrainConfig other) {
        java.util.List<String> d = new java.util.ArrayList<>();
        ModelConfig a = model;
        ModelConfig b = other.model;
        diff(d, "--layers", a.layers(), b.layers());
        diff(d, "--hidden", a.hidden(), b.hidden());
        diff(d, "--seq-length", a.seqLength(), b.seqLength());
        diff(d, "--dropout", a.dropout(), b.dropout());
        diff(d, "--learning-rate", a.learningRate(), b.learningRate());
        diff(d, "--grad-clip", a.gradClip(), b.gradClip());
        diff(d, "--seed", a.seed(), b.seed());
        diff(d, "--window", window, other.window);
        if (!batchUnset() && !other.batchUnset() && !batchFlag().equals(other.batchFlag())) {
            d.add(other.batchFlag() + " (not " + batchFlag() + ")");
        }
        diff(d, "--averaging-frequency", averagingFrequency, other.averagingFrequency);
        diff(d, "--val-fraction", valFraction, other.valFraction);
        // Stored configurations hold the URI redacted (Uris): compared so, a run on a URI with a password resumes.
        diff(d, "--corpus", Uris.redacted(corpus), Uris.redacted(other.corpus));
        // Windows never cross a partition's chunks, so the partitions decide which windows there are and their order;
        // the validation cap decides which windows are scored, and so whether two losses compare.
        if (partitions != null && other.partitions != null) {
            diff(d, "--partitions", partitions, other.partitions);
        }
        diff(d, "--val-max-chars", valMaxChars, other.valMaxChars);
        // Which column, which rows and what ends each: another table reading is another text.
        if (!java.util.Objects.equals(table, other.table)) {
            d.add(table == null ? "--text-column " + other.table.textColumn() + " and its table flags (not a text"
                    + " corpus)" : other.table == null ? "no --text-column (not " + table.textColumn() + ")"
                    : "table flags " + other.table.flags() + " (not " + table.flags() + ")");
        }
        // The order of the data and the steps depend on these too: a run continued with others is another run.
        if (lrSchedule != null && other.lrSchedule != null) {
            diff(d, "--lr-schedule", lrSchedule, other.lrSchedule);
        }
        diff(d, "--lr-decay", lrDecay, other.lrDecay);
        diff(d, "--lr-decay-after", lrDecayAfter, other.lrDecayAfter);
        diff(d, "--averaging", averaging.mode().name().toLowerCase(java.util.Locale.ROOT),
                other.averaging.mode().name().toLowerCase(java.util.Locale.ROOT));
        diff(d, "--outer-lr", averaging.outerLr(), other.averaging.outerLr());
        diff(d, "--outer-momentum", averaging.outerMomentum() == null ? "auto" : averaging.outerMomentum(),
                other.averaging.outerMomentum() == null ? "auto" : other.averaging.outerMomentum());
        diff(d, "--outer-warmup", averaging.warmupRounds(), other.averaging.warmupRounds());
        return d;
    }

    private static void diff(java.util.List<String> out, String flag, Object mine, Object theirs) {
        if (!java.util.Objects.equals(mine, theirs)) {
            out.add(flag + " " + theirs + " (not " + mine + ")");
        }
    }
}
