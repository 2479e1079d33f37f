package io.charrnn.spark;

import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.EncodedWindow;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.training.Averaging;
import io.charrnn.training.EpochOrder;
import io.charrnn.training.RoundPlan;
import io.charrnn.training.RoundRunner;
import io.charrnn.training.RoundStart;
import io.charrnn.training.RoundWorker;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.WorkerResult;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Runs a training session's rounds on Spark: reads and encodes the corpus on executors, deals each epoch's windows
 * into one partition per (round, worker), and trains a round as one job: the round's start state is broadcast,
 * each task trains its partition with {@link RoundWorker}, and the results are summed in worker order.
 */
public final class SparkRoundRunner implements RoundRunner {
    private final JavaSparkContext jsc;
    /** Whether {@link #close} stops Spark: the runner started it (the CLI), rather than a caller's session. */
    private final boolean ownsContext;
    private final TrainConfig config;
    private final CorpusSource source;
    private JavaRDD<EncodedWindow> windows;
    private JavaPairRDD<EncodedWindow, Long> train;
    private JavaRDD<EncodedWindow> validation;
    private int arrangedEpoch = -1;
    private RoundPlan arrangedPlan;
    private JavaRDD<EncodedWindow> arranged;
    private DelegatedRound dl4j;
    /** The job group of the last round trained to its end; the validation of its state is named after it. */
    private String trainedGroup = "charrnn";
    /**
     * Spark's reason for the last executor that YARN killed for its memory since a job last succeeded, or null:
     * a kill that Spark recovered from explains nothing that fails later.
     */
    private volatile String memoryKill;

    /** The vocabulary the windows are encoded with: recomputing a lost partition needs it until the end. */
    private Broadcast<Vocabulary> vocabularyBroadcast;

    private final org.apache.spark.scheduler.SparkListener memoryKills = new org.apache.spark.scheduler.SparkListener() {
        @Override
        public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved removed) {
            if (JobFailures.isMemoryKill(removed.reason())) {
                memoryKill = removed.reason();
            }
        }
    };

    private SparkRoundRunner(JavaSparkContext jsc, boolean ownsContext, TrainConfig config, CorpusSource source) {
        this.jsc = jsc;
        this.ownsContext = ownsContext;
        this.config = config;
        if (config.averaging().mode() == Averaging.Mode.DL4J) {
            DelegatedRound.requireDl4j();
        }
        this.source = source;
        if (source.valFraction() != config.valFraction()) {
            throw new UserError("the prepared dataset " + config.corpus() + " holds out " + source.valFraction()
                    + " for validation, not --val-fraction " + config.valFraction() + "; drop --val-fraction");
        }
        // When YARN kills executors for their memory, the job may fail as "SparkContext was shut down" (too many
        // executors lost) rather than with the tasks' reason: the driver keeps the reason it was told. Added last,
        // so that a runner refused above leaves nothing behind in a caller's context.
        jsc.sc().addSparkListener(memoryKills);
    }

    /**
     * The checkpoint's bound and Spark's: a round's start is one broadcast (through Kryo's buffer, when Kryo
     * serializes), and up to {@link WorkerResult#FANOUT} results of the state's size (one per worker, up to that)
     * reach the driver.
     */
    @Override
    public StateLimit stateLimit(int workers) {
        StateLimit limit = RoundRunner.super.stateLimit(workers);
        org.apache.spark.SparkConf conf = jsc.getConf();
        if (conf.get("spark.serializer", "").contains("Kryo")) {
            limit = limit.min(new StateLimit(conf.getSizeAsBytes("spark.kryoserializer.buffer.max", "64m"),
                    "spark.kryoserializer.buffer.max (" + conf.get("spark.kryoserializer.buffer.max", "64m") + ")"));
        }
        long results = conf.getSizeAsBytes("spark.driver.maxResultSize", "1g");
        if (results > 0) {
            int collected = Math.min(workers, WorkerResult.FANOUT);
            limit = limit.min(new StateLimit(results / collected, "spark.driver.maxResultSize ("
                    + conf.get("spark.driver.maxResultSize", "1g") + ", " + collected + " results a round)"));
        }
        return limit;
    }

    /** Trains in a running Spark application (a caller's session) on a corpus it opened; Spark stays up. */
    public static SparkRoundRunner within(JavaSparkContext jsc, TrainConfig config, CorpusSource source) {
        return new SparkRoundRunner(jsc, false, config, source);
    }

    /** Starts Spark; the runner stops it on {@link #close}. */
    public static SparkRoundRunner start(SparkConf sparkConf, TrainConfig config, CorpusOptions corpusOptions) {
        JavaSparkContext jsc = new JavaSparkContext(sparkConf);
        try {
            jsc.setLogLevel("WARN");
            return new SparkRoundRunner(jsc, true, config, CorpusSource.open(jsc, config.corpus(), corpusOptions));
        } catch (RuntimeException e) {
            jsc.close();
            throw e;
        }
    }

    public org.apache.hadoop.conf.Configuration hadoopConfiguration() {
        return jsc.hadoopConfiguration();
    }

    @Override
    public Vocabulary corpusVocabulary() {
        return source.vocabulary();
    }

    @Override
    public Windows load(Vocabulary vocabulary) {
        vocabularyBroadcast = jsc.broadcast(vocabulary);
        jsc.setJobDescription("charrnn: cut windows");
        int window = config.window();
        windows = source.runs(vocabularyBroadcast, null).mapPartitions(runs -> new WindowCutter(runs, window));
        if (source.cacheWindows()) {
            // Decoding raw text again for every epoch would cost far more than reading the cached windows.
            windows = windows.persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        try {
            train = windows.filter(w -> !w.isValidation()).zipWithIndex();
            long trainWindows = train.count();
            Evaluation.Scored scored = Evaluation.validationSubset(windows, config.valMaxChars(), config.window());
            validation = scored.windows();
            return new Windows(trainWindows, validation.count(), scored.sampled());
        } catch (Exception e) {
            throw sparkFailure(e, "charrnn", "reading the corpus");
        }
    }

    @Override
    public int defaultWorkers() {
        return jsc.defaultParallelism();
    }

    @Override
    public WorkerResult train(RoundPlan plan, int epoch, int round, RoundStart start) {
        if (arrangedEpoch != epoch || arrangedPlan != plan) {
            arranged = arrange(plan, epoch, start.model().seed());
            arrangedEpoch = epoch;
            arrangedPlan = plan;
        }
        // One job group per round, so that the UI finds a round and a user can cancel it (training then ends at
        // the round before, with a checkpoint of it).
        // A plan that starts inside the epoch (the batch grew there) numbers its rounds from there: its groups say so.
        String from = plan.start() == 0 ? "" : String.format(Locale.ROOT, "-from-window-%d", plan.start());
        String group = String.format(Locale.ROOT, "charrnn-epoch-%d%s-round-%d", epoch + 1, from, round + 1);
        jsc.setJobGroup(group, String.format(Locale.ROOT, "charrnn: train epoch %d%s round %d/%d", epoch + 1,
                from.replace('-', ' '), round + 1, plan.roundsPerEpoch()), false);
        JavaRDD<EncodedWindow> share = roundOf(arranged, plan, round);
        try {
            if (config.averaging().mode() == Averaging.Mode.DL4J) {
                if (dl4j == null) {
                    // The round's model: the run's output layout is resolved at start, not in the flags' config.
                    dl4j = DelegatedRound.dl4j(jsc, config.withModel(start.model()).withStartBatch(
                            start.batchSize()), start.vocabularySize(), plan.workers());
                }
                return trained(group, dl4j.fit(share, start, plan.windowsInRound(round)));
            }
            Broadcast<RoundStart> shared = jsc.broadcast(start);
            try {
                JavaRDD<WorkerResult> results = share.mapPartitionsWithIndex(
                        (worker, it) -> List.of(RoundWorker.train(worker, shared.value(), it)).iterator(), true);
                return trained(group, sumInWorkerOrder(results, plan.workers()));
            } finally {
                if (!jsc.sc().isStopped()) {
                    shared.destroy();
                }
            }
        } catch (Exception e) {
            throw sparkFailure(e, group, "round " + (round + 1) + " of epoch " + (epoch + 1));
        }
    }

    private WorkerResult trained(String group, WorkerResult result) {
        trainedGroup = group;
        return succeeded(result);
    }

    /** What a job that ran to its end returns: an executor kill it rode out explains no later failure. */
    private <T> T succeeded(T result) {
        memoryKill = null;
        return result;
    }

    private RuntimeException sparkFailure(Exception e, String group, String what) {
        return JobFailures.interpret(e, memoryKill, jsc.sc().isStopped(),
                jsc.getConf().get("spark.executor.memoryOverhead", null),
                SparkSetup.executorPhysicalLimitMb(jsc.getConf()), group, what);
    }

    /**
     * The sum of every worker's result in worker order, whatever order the tasks finish in: {@link
     * WorkerResult#sumAsTree}'s tree, whose levels are summed by tasks, and the last few on the driver.
     */
    static WorkerResult sumInWorkerOrder(JavaRDD<WorkerResult> results, int workers) {
        JavaRDD<WorkerResult> level = results;
        int count = workers;
        while (count > WorkerResult.FANOUT) {
            int groups = (count + WorkerResult.FANOUT - 1) / WorkerResult.FANOUT;
            level = level.mapToPair(r -> new Tuple2<>(r.index() / WorkerResult.FANOUT, r))
                    .groupByKey(new HashPartitioner(groups))
                    .map(group -> WorkerResult.sumInOrder(group._1(), group._2()));
            count = groups;
        }
        return WorkerResult.sumInOrder(0, level.collect());
    }

    /**
     * Deals this epoch's training windows from the plan's start on into one partition per (round, worker), in epoch
     * order (a plan that starts inside the epoch, after a change of the batch, leaves out what was trained before).
     */
    private JavaRDD<EncodedWindow> arrange(RoundPlan plan, int epoch, long seed) {
        EpochOrder order = new EpochOrder(plan.windows(), seed, epoch);
        long from = plan.start();
        return train.mapToPair(p -> new Tuple2<>(order.positionOf(p._2()), p._1()))
                .filter(p -> p._1() >= from)
                .repartitionAndSortWithinPartitions(new RoundPartitioner(plan))
                .values();
    }

    private static JavaRDD<EncodedWindow> roundOf(JavaRDD<EncodedWindow> arranged, RoundPlan plan, int round) {
        int from = round * plan.workers();
        PartitionPruningRDD<EncodedWindow> pruned = PartitionPruningRDD.create(arranged.rdd(),
                new PartitionRange(from, from + plan.workers()));
        return pruned.toJavaRDD();
    }

    @Override
    public double validationLoss(MultiLayerNetwork net) {
        String group = trainedGroup + "-validation";
        jsc.setJobGroup(group, "charrnn: validation loss", false);
        try {
            return succeeded(Evaluation.loss(jsc, net, validation, io.charrnn.model.LossMeter.CARRY_LANES, true)
                    .natsPerChar());
        } catch (Exception e) {
            throw sparkFailure(e, group, "the validation loss");
        }
    }

    @Override
    public void roundEnded(java.util.Map<String, Object> metricsLine) {
        TrainingMetricsPlugin.roundEnded(metricsLine);
    }

    @Override
    public String describe() {
        return "Spark " + jsc.sc().master();
    }

    @Override
    public java.util.Map<String, String> provenance() {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("corpus_fingerprint", source.fingerprint());
        p.put("spark", jsc.version());
        p.put("hadoop", org.apache.hadoop.util.VersionInfo.getVersion());
        p.put("master", jsc.sc().master());
        return p;
    }

    @Override
    public void close() {
        try {
            if (windows != null) {
                windows.unpersist(false);
            }
            if (validation != null) {
                validation.unpersist(false);
            }
        } finally {
            if (ownsContext) {
                jsc.close();
            } else { // a caller's context: as the runner found it
                if (vocabularyBroadcast != null) {
                    vocabularyBroadcast.destroy();
                }
                jsc.sc().removeSparkListener(memoryKills);
                jsc.clearJobGroup();
                jsc.setJobDescription(null);
            }
        }
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
