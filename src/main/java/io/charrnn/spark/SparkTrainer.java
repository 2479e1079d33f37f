package io.charrnn.spark;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.CheckpointMeta;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.corpus.UserError;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LossMeter;
import io.charrnn.model.ModelConfig;
import io.charrnn.model.OneHotBatches;
import io.charrnn.model.Sampler;
import io.charrnn.training.EpochOrder;
import io.charrnn.training.Metrics;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.training.Progress;
import io.charrnn.training.RoundPlan;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where training meets Spark: reads and encodes the corpus on executors, deals each epoch's windows
 * into averaging rounds, trains with DL4J's parameter averaging, evaluates, and writes checkpoints and metrics.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    private static final double SAMPLE_TEMPERATURE = 0.8;

    private final JavaSparkContext jsc;
    private final TrainConfig config;
    private final RunDirectory run;
    private final CorpusOptions corpusOptions;

    public SparkTrainer(JavaSparkContext jsc, TrainConfig config, RunDirectory run, CorpusOptions corpusOptions) {
        this.jsc = jsc;
        this.config = config;
        this.run = run;
        this.corpusOptions = corpusOptions;
    }

    /** Trains until the epochs are done or the time budget is spent; {@code resume} continues the run in place. */
    public TrainResult train(boolean resume) {
        long startNanos = System.nanoTime();
        double budgetSeconds = config.maxMinutes() > 0 ? config.maxMinutes() * 60 : Double.POSITIVE_INFINITY;

        Checkpoint resumed = resume ? loadLatest() : null;
        CorpusSource source = CorpusSource.open(jsc, config.corpus(), corpusOptions);
        if (source.valFraction() != config.valFraction()) {
            throw new UserError("the prepared dataset " + config.corpus() + " holds out " + source.valFraction()
                    + " for validation, not --val-fraction " + config.valFraction() + "; drop --val-fraction");
        }
        Vocabulary vocabulary = source.vocabulary();
        Checkpoint warmStart = null;
        if (resumed != null) {
            vocabulary = sameSymbols(resumed.meta().vocabulary(), vocabulary, "the run in " + run.uri(),
                    "resume with the corpus it was trained on (or one with no new symbols), or start a new run");
        } else if (config.initFrom() != null) {
            warmStart = RunDirectory.resolve(config.initFrom(), jsc.hadoopConfiguration(), false);
            vocabulary = sameSymbols(warmStart.meta().vocabulary(), vocabulary, "the --init-from model",
                    "remove them from the corpus, or train from scratch without --init-from");
        }
        Broadcast<Vocabulary> vocabularyBroadcast = jsc.broadcast(vocabulary);

        jsc.setJobDescription("charrnn: cut windows");
        int window = config.window();
        JavaRDD<EncodedWindow> windows = source.runs(vocabularyBroadcast, null)
                .mapPartitions(runs -> new WindowCutter(runs, window));
        if (source.cacheWindows()) {
            // Decoding raw text again for every epoch would cost far more than reading the cached windows.
            windows = windows.persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        JavaPairRDD<EncodedWindow, Long> train = windows.filter(w -> !w.isValidation()).zipWithIndex();
        long trainWindows = train.count();
        JavaRDD<EncodedWindow> validation = Evaluation.validationSubset(windows, config.valMaxChars(),
                config.window());
        long valWindows = validation.count();
        if (trainWindows == 0) {
            throw new UserError("the corpus (" + vocabulary.totalCount() + " characters) is shorter than one training"
                    + " window of " + config.window() + " characters plus its validation share; use a smaller"
                    + " --window or a larger corpus");
        }
        if (valWindows == 0) {
            throw new UserError("the validation split is empty: the corpus (" + vocabulary.totalCount()
                    + " characters) has no whole window of " + config.window() + " characters in its held-out "
                    + ValidationSplit.BLOCK_BYTES / 1024 + " KiB blocks; raise --val-fraction, lower --window,"
                    + " or use a larger corpus");
        }

        int workers = config.workers() > 0 ? config.workers() : jsc.defaultParallelism();
        RoundPlan plan = new RoundPlan(trainWindows, workers, config.batchSize(), config.averagingFrequency());
        LOG.info("corpus: {} symbols, {} characters; {} training and {} validation windows of {}; {} workers, "
                        + "{} rounds per epoch", vocabulary.size(), vocabulary.totalCount(), trainWindows, valWindows,
                config.window(), workers, plan.roundsPerEpoch());

        MultiLayerNetwork net;
        Progress progress;
        JsonLinesLog metrics;
        JsonLinesLog samples;
        if (resumed != null) {
            net = resumed.network();
            if (resumed.meta().train().model().lstm() != config.model().lstm()) {
                net = CharLstm.withImplementation(net, config.model(), vocabulary.size());
                LOG.info("continuing with the {} LSTM layer (the checkpoint used {})", config.model().lstm(),
                        resumed.meta().train().model().lstm());
            }
            Progress saved = resumed.meta().progress();
            int round = Math.min(saved.round(), plan.roundsPerEpoch() - 1);
            progress = new Progress(saved.epoch(), round, plan.roundsPerEpoch(), saved.totalRounds(),
                    saved.charsTrained(), saved.trainSeconds(), saved.trainLoss(), saved.valLoss(),
                    saved.bestValLoss());
            metrics = JsonLinesLog.resume(run, RunDirectory.METRICS_FILE, saved.totalRounds());
            samples = JsonLinesLog.resume(run, RunDirectory.SAMPLES_FILE, saved.totalRounds());
            LOG.info("resuming {} at epoch {} (round {} of {})", run.uri(), String.format(Locale.ROOT, "%.2f",
                    progress.epochFraction()), progress.totalRounds(), plan.roundsPerEpoch());
        } else {
            net = CharLstm.create(config.model(), vocabulary.size());
            if (warmStart != null) {
                ModelConfig from = warmStart.meta().train().model();
                if (from.layers() != config.model().layers() || from.hidden() != config.model().hidden()) {
                    throw new UserError("--init-from " + config.initFrom() + " is a " + from.layers() + " x "
                            + from.hidden() + " LSTM; use --layers " + from.layers() + " --hidden " + from.hidden());
                }
                net.setParams(warmStart.network().params());
                LOG.info("starting from the weights of {}", config.initFrom());
            }
            progress = Progress.start(plan.roundsPerEpoch());
            metrics = new JsonLinesLog(run, RunDirectory.METRICS_FILE);
            samples = new JsonLinesLog(run, RunDirectory.SAMPLES_FILE);
        }

        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers,
                config.batchSize())
                .batchSizePerWorker(config.batchSize())
                .averagingFrequency(config.averagingFrequency())
                .saveUpdater(true)
                // Windows arrive already dealt to workers (see RoundPlan), so DL4J must not shuffle them again,
                // and one-hot minibatches are cheaper to rebuild than to cache.
                .repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .rngSeed(config.model().seed())
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, net, master);

        String lastCheckpoint = null;
        long lastCheckpointRound = resumed != null ? progress.totalRounds() : -1;
        double lastRoundSeconds = 0;
        boolean outOfTime = false;
        int vocabSize = vocabulary.size();
        int batchSize = config.batchSize();
        int seqLength = config.model().seqLength();

        while (progress.epoch() < config.epochs() && !outOfTime) {
            int epoch = progress.epoch();
            sparkNet.getNetwork().setLearningRate(config.learningRateAt(epoch));
            JavaRDD<EncodedWindow> arranged = arrange(train, plan, epoch);
            while (progress.epoch() == epoch) {
                double elapsed = seconds(startNanos);
                if (elapsed + lastRoundSeconds > budgetSeconds) {
                    outOfTime = true;
                    break;
                }
                int round = progress.round();
                jsc.setJobDescription(String.format(Locale.ROOT, "charrnn: train epoch %d round %d/%d",
                        epoch + 1, round + 1, plan.roundsPerEpoch()));
                JavaRDD<DataSet> batches = roundOf(arranged, plan, round).mapPartitions(it -> {
                    List<DataSet> out = new ArrayList<>();
                    OneHotBatches.group(it, batchSize).forEachRemaining(b -> out.add(OneHotBatches.toDataSet(b,
                            vocabSize)));
                    return out.iterator();
                });
                long roundStart = System.nanoTime();
                sparkNet.fit(batches);
                double roundSeconds = seconds(roundStart);
                long chars = plan.windowsInRound(round) * config.window();
                double trainLoss = sparkNet.getScore() / seqLength;
                progress = progress.afterRound(chars, roundSeconds, trainLoss);

                boolean endOfEpoch = progress.epoch() != epoch;
                boolean due = progress.totalRounds() % config.checkpointEvery() == 0 || endOfEpoch
                        || progress.epoch() >= config.epochs();
                String saved = null;
                if (due) {
                    progress = progress.withValidation(evaluate(sparkNet.getNetwork(), validation));
                    saved = saveCheckpoint(sparkNet.getNetwork(), vocabulary, progress);
                    lastCheckpoint = saved;
                    lastCheckpointRound = progress.totalRounds();
                }
                lastRoundSeconds = seconds(roundStart);
                metrics.append(Metrics.record(progress, chars / roundSeconds, seconds(startNanos), saved));
                LOG.info(progressLine(progress, saved != null, chars / roundSeconds, lastRoundSeconds,
                        startNanos, budgetSeconds));
                if (saved != null) {
                    logSample(sparkNet.getNetwork(), vocabulary, progress, saved, samples);
                }
            }
        }
        if (lastCheckpointRound != progress.totalRounds()) {
            progress = progress.withValidation(evaluate(sparkNet.getNetwork(), validation));
            lastCheckpoint = saveCheckpoint(sparkNet.getNetwork(), vocabulary, progress);
            metrics.append(Metrics.record(progress, Double.NaN, seconds(startNanos), lastCheckpoint));
            logSample(sparkNet.getNetwork(), vocabulary, progress, lastCheckpoint, samples);
        }
        windows.unpersist(false);
        validation.unpersist(false);
        if (lastCheckpoint == null) {
            lastCheckpoint = run.pointer(RunDirectory.LATEST).orElse(null);
        }
        return new TrainResult(progress, lastCheckpoint, run.pointer(RunDirectory.BEST).orElse(null),
                vocabulary.size(), seconds(startNanos), outOfTime);
    }

    /**
     * The newest checkpoint that loads: the one {@code latest} names, else the others newest first. A damaged one
     * (truncated, failing its checksum, unreadable) is reported and skipped.
     */
    private Checkpoint loadLatest() {
        List<String> candidates = new ArrayList<>();
        run.pointer(RunDirectory.LATEST).ifPresent(candidates::add);
        for (String name : run.checkpointsNewestFirst()) {
            if (!candidates.contains(name)) {
                candidates.add(name);
            }
        }
        for (String name : candidates) {
            Checkpoint checkpoint;
            try {
                checkpoint = run.load(name, true);
            } catch (UserError e) {
                LOG.warn("skipping damaged checkpoint {}: {}", name, e.getMessage());
                continue;
            }
            List<String> differences = config.differencesFrom(checkpoint.meta().train());
            if (!differences.isEmpty()) {
                throw new UserError("cannot resume " + run.uri() + ": it was trained with "
                        + String.join(", ", differences) + "; use the same settings, or --overwrite");
            }
            LOG.info("resuming from {}", name);
            return checkpoint;
        }
        throw new UserError("cannot resume: " + run.uri() + " has no readable checkpoint; start over with"
                + " --overwrite");
    }

    /**
     * The vocabulary to train with when continuing from a model: the model's own, so its input and output layers
     * fit. The corpus may lack some of its symbols but must not bring new ones, unless the model has an unknown
     * symbol for them.
     */
    private static Vocabulary sameSymbols(Vocabulary model, Vocabulary corpus, String what, String advice) {
        if (model.hasUnknown()) {
            return model;
        }
        List<String> unknown = new ArrayList<>();
        for (int cp : corpus.codePoints()) {
            if (model.exactIdOf(cp) == Vocabulary.NOT_IN_VOCABULARY) {
                unknown.add(Vocabulary.describe(cp));
            }
        }
        if (!unknown.isEmpty()) {
            String shown = String.join(", ", unknown.subList(0, Math.min(10, unknown.size())))
                    + (unknown.size() > 10 ? ", ..." : "");
            throw new UserError("the corpus has " + unknown.size() + " symbol(s) that " + what + " does not know: "
                    + shown + "; " + advice);
        }
        return model;
    }

    /** Deals this epoch's training windows into one partition per (round, worker), in epoch order. */
    private JavaRDD<EncodedWindow> arrange(JavaPairRDD<EncodedWindow, Long> train, RoundPlan plan, int epoch) {
        EpochOrder order = new EpochOrder(plan.windows(), config.model().seed(), epoch);
        return train.mapToPair(p -> new Tuple2<>(order.positionOf(p._2()), p._1()))
                .repartitionAndSortWithinPartitions(new RoundPartitioner(plan))
                .values();
    }

    private static JavaRDD<EncodedWindow> roundOf(JavaRDD<EncodedWindow> arranged, RoundPlan plan, int round) {
        int from = round * plan.workers();
        PartitionPruningRDD<EncodedWindow> pruned = PartitionPruningRDD.create(arranged.rdd(),
                new PartitionRange(from, from + plan.workers()));
        return pruned.toJavaRDD();
    }

    private double evaluate(MultiLayerNetwork net, JavaRDD<EncodedWindow> validation) {
        jsc.setJobDescription("charrnn: validation loss");
        return Evaluation.loss(jsc, net, validation, config.batchSize()).natsPerChar();
    }

    private String saveCheckpoint(MultiLayerNetwork net, Vocabulary vocabulary, Progress progress) {
        String name = Checkpoint.fileName(progress.epochFraction(), progress.valLoss());
        byte[] bytes = new Checkpoint(net, CheckpointMeta.of(vocabulary, config, progress)).toBytes();
        run.saveCheckpoint(name, bytes, progress.isBest());
        LOG.info("checkpoint {} written to {}", name, run.uri());
        if (config.keep() > 0) {
            for (String old : run.retain(config.keep())) {
                LOG.info("deleted old checkpoint {} (--keep {})", old, config.keep());
            }
        }
        return name;
    }

    /** char-rnn users read a short sample at every checkpoint to see what the model has learned. */
    private void logSample(MultiLayerNetwork net, Vocabulary vocabulary, Progress progress, String checkpoint,
                           JsonLinesLog samples) {
        if (config.sampleChars() == 0) {
            return;
        }
        String text = new Sampler(net, vocabulary).sample("", config.sampleChars(), SAMPLE_TEMPERATURE,
                progress.totalRounds(), s -> { });
        net.rnnClearPreviousState();
        LOG.info("sample at {} (temperature {}):\n{}", checkpoint, SAMPLE_TEMPERATURE, text);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("round", progress.totalRounds());
        record.put("epoch", progress.epochFraction());
        record.put("checkpoint", checkpoint);
        record.put("val_loss", progress.valLoss());
        record.put("temperature", SAMPLE_TEMPERATURE);
        record.put("text", text);
        samples.append(record);
    }

    private static String progressLine(Progress p, boolean evaluated, double charsPerSecond, double roundSeconds,
                                       long startNanos, double budgetSeconds) {
        double elapsed = seconds(startNanos);
        int roundsLeftInEpoch = p.round() == 0 ? 0 : p.roundsPerEpoch() - p.round();
        String budget = Double.isInfinite(budgetSeconds) ? "" : String.format(Locale.ROOT, " | budget left %s",
                clock(Math.max(0, budgetSeconds - elapsed)));
        String val = evaluated ? String.format(Locale.ROOT, " | val %.4f (%.3f bits)", p.valLoss(),
                LossMeter.bits(p.valLoss())) : "";
        return String.format(Locale.ROOT, "epoch %.2f | round %d | train %.4f%s | %,.0f chars/s | elapsed %s"
                        + " | epoch ends in %s%s", p.epochFraction(), p.totalRounds(), p.trainLoss(), val,
                charsPerSecond, clock(elapsed), clock(roundsLeftInEpoch * roundSeconds), budget);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** Spark partitioner for {@link RoundPlan#partitionOf}. */
    static final class RoundPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final RoundPlan plan;

        RoundPartitioner(RoundPlan plan) {
            this.plan = plan;
        }

        @Override
        public int numPartitions() {
            return plan.partitions();
        }

        @Override
        public int getPartition(Object key) {
            return plan.partitionOf((Long) key);
        }
    }

    /** Keeps partitions [from, to). */
    static final class PartitionRange extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int from;
        private final int to;

        PartitionRange(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object index) {
            int i = (Integer) index;
            return i >= from && i < to;
        }
    }
}
