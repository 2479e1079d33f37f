package io.charrnn.cli;

import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.training.Averaging;
import io.charrnn.training.LearningRateSchedule;
import io.charrnn.training.TrainConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** Every training flag with its default, in one place; shared by {@code train} and {@code bench}. */
public final class TrainOptions {
    @Option(names = "--corpus", required = true, paramLabel = "URI",
            description = "Text to train on: a file, a directory (read recursively) or a glob on any Hadoop "
                    + "filesystem (file:, hdfs:, ...), UTF-8, plain, gzip or bzip2; or a dataset written by "
                    + "charrnn prepare, which is read with no pass over the raw text.")
    String corpus;

    @Option(names = "--layers", defaultValue = "2", description = "LSTM layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "128", description = "LSTM units per layer (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--lstm", defaultValue = "fused",
            description = "LSTM layer: fused (this project's; 2.0-3.8x the speed of stock in BENCHMARKS.md, and"
                    + " the one whose gradients match finite differences) or stock (DL4J's); same parameters, so a"
                    + " resumed run may switch (default: ${DEFAULT-VALUE}).")
    LstmImplementation lstm;

    @Option(names = "--adaptive", defaultValue = "auto",
            description = "Adaptive input and softmax for large vocabularies: on (the "
                    + io.charrnn.model.AdaptiveSoftmax.HEAD + " most frequent symbols keep char-rnn's rows of input"
                    + " weights and a softmax head; rarer ones, in clusters by frequency, narrower embeddings and"
                    + " softmaxes on narrower projections: far fewer parameters and products for thousands of symbols,"
                    + " a slightly different model; --lstm fused only), off (char-rnn's layers) or auto (on above "
                    + io.charrnn.model.AdaptiveSoftmax.AUTO_ABOVE + " symbols with --lstm fused); a resumed run keeps"
                    + " its checkpoint's (default: ${DEFAULT-VALUE}).")
    io.charrnn.model.AdaptiveSoftmax.Choice adaptive;

    @Option(names = "--seq-length", defaultValue = "50",
            description = "Truncated-BPTT length in characters (default: ${DEFAULT-VALUE}).")
    int seqLength;

    @Option(names = "--window", defaultValue = "1000",
            description = "Characters per training example; the LSTM state is carried across the --seq-length "
                    + "segments inside it (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--global-batch", paramLabel = "N",
            description = "Windows behind each optimizer step across all workers; each worker takes its share,"
                    + " ceil(N / workers). Above " + io.charrnn.training.BatchSchedule.DEFAULT_GLOBAL + " windows"
                    + " per step --learning-rate is multiplied by the square root of their ratio. auto (or auto:N"
                    + " to start at N): start at the default and double while the gradient noise scale measured from"
                    + " the workers' rounds is at least twice the batch (a worker's share at most "
                    + io.charrnn.training.BatchSchedule.AUTO_MAX_PER_WORKER + "). A resumed run keeps its batch"
                    + " (default: " + io.charrnn.training.BatchSchedule.DEFAULT_GLOBAL + ", or "
                    + io.charrnn.training.BatchSchedule.DEFAULT_PER_WORKER + " per worker when that is more; see"
                    + " README \"How the batch is chosen\").")
    String globalBatch;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "Windows per minibatch on each worker, instead of --global-batch: the windows behind a"
                    + " step then grow with the workers (default: from --global-batch).")
    Integer batchSize;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "Minibatches each worker trains between parameter averagings; one averaging is a "
                    + "round (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--averaging", defaultValue = "outer",
            description = "How workers' parameters are combined after each round: outer (this project's round loop:"
                    + " the averaged change of a round is a pseudo-gradient for an outer Nesterov step, see"
                    + " --outer-lr and --outer-momentum) or dl4j (DL4J's ParameterAveragingTrainingMaster, plain"
                    + " averaging; the baseline; in the Spark 3.5 build only) (default: ${DEFAULT-VALUE}).")
    Averaging.Mode averaging;

    @Option(names = "--outer-lr", defaultValue = "1",
            description = "Learning rate of the outer step; 1 with --outer-momentum 0 is plain averaging"
                    + " (default: ${DEFAULT-VALUE}).")
    double outerLr;

    @Option(names = "--outer-momentum", defaultValue = "auto",
            description = "Nesterov momentum of the outer step, in [0, 1), or auto: 1 - 1/workers, so that the"
                    + " steady-state step is about workers times the averaged change (0 for one worker)"
                    + " (default: ${DEFAULT-VALUE}).")
    String outerMomentum;

    @Option(names = "--outer-warmup", defaultValue = "0",
            description = "Rounds of plain averaging before the outer step starts (default: ${DEFAULT-VALUE}).")
    int outerWarmup;

    @Option(names = "--learning-rate", defaultValue = "2e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "KIND",
            description = "wsd: warm up from a tenth of --learning-rate over the first "
                    + LearningRateSchedule.WARMUP_PERCENT + "%% of the budget, hold --learning-rate, and decay in a "
                    + "straight line to a tenth over the last " + LearningRateSchedule.DECAY_PERCENT + "%% of it, "
                    + "where the job stops (--epochs, or --max-minutes when that comes first; each job with "
                    + "--max-minutes is a cycle of its own). cosine: the same warm-up, then a decay on a cosine to a "
                    + "tenth. step: char-rnn's --lr-decay a epoch from --lr-decay-after on (default: "
                    + LearningRateSchedule.DEFAULT + " for a new run; a run continued keeps its own).")
    String lrSchedule;

    @Option(names = "--lr-decay", defaultValue = "0.97",
            description = "With --lr-schedule step: multiply the learning rate by this at the end of each epoch from"
                    + " --lr-decay-after on; 1 = constant (default: ${DEFAULT-VALUE}).")
    double lrDecay;

    @Option(names = "--lr-decay-after", defaultValue = "10",
            description = "With --lr-schedule step: first epoch whose end decays the learning rate (default: "
                    + "${DEFAULT-VALUE}).")
    int lrDecayAfter;

    @Option(names = "--dropout", defaultValue = "0",
            description = "Dropout probability between layers, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--grad-clip", defaultValue = "5",
            description = "Clip each gradient element to [-x, x]; 0 turns clipping off (default: ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--val-fraction",
            description = "Share of raw text held out for validation, chosen by 16 KiB blocks of each file; a "
                    + "prepared dataset brings its own (default: " + DEFAULT_VAL_FRACTION + ").")
    Double valFraction;

    @Option(names = "--val-max-chars", defaultValue = "500000",
            description = "Evaluate on at most this many held-out characters, spread over the whole split "
                    + "(default: ${DEFAULT-VALUE}).")
    long valMaxChars;

    @Option(names = "--epochs", defaultValue = "50", description = "Passes over the training split (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-minutes", defaultValue = "0",
            description = "Stop with a checkpoint before this much wall time of training has passed (from the "
                    + "start of training, after Spark's; the last round's validation and checkpoint inside it, timed "
                    + "as the job's last checkpoint took); 0 means no limit (default: ${DEFAULT-VALUE}).")
    double maxMinutes;

    @Option(names = "--patience", defaultValue = "0", paramLabel = "N",
            description = "Stop early after N validations in a row (the checkpoints, see --checkpoint-every) without a"
                    + " new best validation loss: wsd and cosine first decay the learning rate in a straight line to a"
                    + " tenth of --learning-rate over another quarter of the epochs of its cycle so far (see"
                    + " --lr-schedule), then stop; step stops at once. A run bounded by --epochs alone keeps the count"
                    + " when resumed; a job with --max-minutes counts afresh. 0 never stops early (default:"
                    + " ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--checkpoint-every", defaultValue = "5",
            description = "Evaluate and write a checkpoint every this many rounds, and at each epoch's end "
                    + "(default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep", defaultValue = "0",
            description = "Keep only the newest K checkpoints (and always the best and the latest); 0 = all "
                    + "(default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--init-from", paramLabel = "URI",
            description = "Start from the weights of another run's checkpoint (a ckpt_*.zip or a run directory: its"
                    + " best), e.g. to warm-start on grown data. Same --layers and --hidden; the corpus may not"
                    + " hold symbols that model does not know.")
    String initFrom;

    @Option(names = "--sample-chars", defaultValue = "200",
            description = "Characters sampled (temperature 0.8) into the log and samples.jsonl at each checkpoint;"
                    + " 0 = none (default: ${DEFAULT-VALUE}).")
    int sampleChars;

    @Option(names = "--workers", defaultValue = "0",
            description = "Parallel trainers; 0 means one per Spark task slot (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--seed", defaultValue = "123", description = "Seed for weights and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lock-stale-minutes", defaultValue = "10",
            description = "Take over a run's lock that has not been renewed for this long by the filesystem's clock, or"
                    + " whose owner process on this machine is gone (default: ${DEFAULT-VALUE}).")
    double lockStaleMinutes;

    @Mixin
    VocabularyOptions vocabulary;

    @Mixin
    SparkConfOption sparkConf;

    static final double DEFAULT_VAL_FRACTION = 0.05;

    /** How the prepared dataset trained on was read from a table (its rows' separator), or null. */
    private io.charrnn.corpus.TextTable datasetTable;

    /**
     * A prepared dataset fixes the split: take its share, unless --val-fraction asks for another. A dataset prepared
     * from a table gives the run its table reading, which the run records (its models score rows with its separator).
     */
    void useDatasetSplit(String dataset, io.charrnn.dataset.DatasetManifest manifest) {
        double datasetFraction = manifest.valFraction();
        datasetTable = manifest.table();
        if (valFraction != null && valFraction != datasetFraction) {
            throw new io.charrnn.common.UserError("--val-fraction " + valFraction + " does not apply: the prepared"
                    + " dataset " + dataset + " holds out " + datasetFraction + "; drop --val-fraction, or prepare"
                    + " the corpus again with it");
        }
        valFraction = datasetFraction;
        if (!vocabulary.givenVocabularyFlags().isEmpty()) {
            throw new io.charrnn.common.UserError(String.join(", ", vocabulary.givenVocabularyFlags())
                    + " do(es) not apply: the prepared dataset " + dataset + " has its vocabulary; drop the flag(s),"
                    + " or prepare the corpus again with them");
        }
    }

    io.charrnn.corpus.CorpusOptions corpusOptions(double valFraction) {
        return vocabulary.toCorpusOptions(valFraction);
    }

    TrainConfig toConfig(String output) {
        ModelConfig model = new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed,
                lstm).withAdaptiveChoice(adaptive);
        if (batchSize != null && globalBatch != null) {
            throw new io.charrnn.common.UserError("--batch-size and --global-batch exclude each other: give the"
                    + " windows per step across the workers (--global-batch) or per worker (--batch-size)");
        }
        if (batchSize != null && batchSize < 1) {
            throw new io.charrnn.common.UserError("--batch-size must be between 1 and 100000, got " + batchSize);
        }
        return new TrainConfig(corpus, output, model, window, batchSize == null ? 0 : batchSize, averagingFrequency,
                valFraction != null ? valFraction : DEFAULT_VAL_FRACTION, epochs,
                maxMinutes, checkpointEvery, workers, valMaxChars, sampleChars, lrDecay, lrDecayAfter, keep, initFrom,
                new Averaging(averaging, outerLr, momentum(), outerWarmup),
                global(), vocabulary.partitions,
                lrSchedule == null ? null : lrSchedule.trim().toLowerCase(java.util.Locale.ROOT),
                vocabulary.table() != null ? vocabulary.table() : datasetTable, patience);
    }

    private String global() {
        return globalBatch == null ? null : globalBatch.trim().toLowerCase(java.util.Locale.ROOT);
    }

    private Double momentum() {
        if (outerMomentum.equalsIgnoreCase("auto")) {
            return null;
        }
        try {
            return Double.parseDouble(outerMomentum);
        } catch (NumberFormatException e) {
            throw new io.charrnn.common.UserError("--outer-momentum must be a number in [0, 1) or auto, got "
                    + outerMomentum);
        }
    }
}
