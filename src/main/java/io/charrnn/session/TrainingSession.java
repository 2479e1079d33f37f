package io.charrnn.session;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.CheckpointName;
import io.charrnn.checkpoint.CheckpointMeta;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.UserError;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.model.AdaptiveSoftmax;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LossMeter;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.model.Sampler;
import io.charrnn.training.Averaging;
import io.charrnn.training.BatchSchedule;
import io.charrnn.training.Divergence;
import io.charrnn.training.LearningRateSchedule;
import io.charrnn.training.Metrics;
import io.charrnn.training.ModelState;
import io.charrnn.training.NoiseScale;
import io.charrnn.training.OuterOptimizer;
import io.charrnn.training.Progress;
import io.charrnn.training.RoundPlan;
import io.charrnn.training.RoundRunner;
import io.charrnn.training.RoundStart;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import io.charrnn.training.WorkerResult;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training run, start to end, whatever runs its rounds: continue or start, choose the vocabulary, then round
 * after round hand the model's state to the runner, take the outer step on what comes back, and evaluate, write
 * checkpoints, metrics and samples on schedule, until the epochs are done or the time budget is spent.
 * Knows nothing of Spark: {@link RoundRunner} is the only way out.
 */
public final class TrainingSession {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingSession.class);
    private static final double SAMPLE_TEMPERATURE = 0.8;

    private final TrainConfig config;
    private final RunDirectory run;
    private final RoundRunner runner;
    private final Configuration hadoopConf;
    /** {@link #config} with the workers resolved: what checkpoints record. */
    private TrainConfig recorded;
    /** Which data, code and cluster: versions, corpus fingerprint, Spark and its master, workers. */
    private java.util.Map<String, String> provenance;

    public TrainingSession(TrainConfig config, RunDirectory run, RoundRunner runner, Configuration hadoopConf) {
        this.config = config;
        this.run = run;
        this.runner = runner;
        this.hadoopConf = hadoopConf;
    }

    /**
     * Trains until the epochs are done or the time budget is spent: from {@code resumed} (see {@link RunStart}), or
     * from scratch when it is null.
     */
    public TrainResult train(Checkpoint resumed) {
        Run r = start(resumed);
        training:
        while (r.progress.epoch() < config.epochs() && !r.outOfTime && !r.stoppedEarly()) {
            int epoch = r.progress.epoch();
            if (r.progress.position() == 0) {
                r.plan = planAt(r.windows.training(), r.workers, r.batch, 0);
                r.progress = r.progress.under(r.plan);
            }
            r.state = ModelState.of(r.net);
            while (r.progress.epoch() == epoch) {
                if (r.lastRoundSeconds == 0 && r.elapsed() > r.budgetSeconds) {
                    // Spent before the first round (later rounds decide at their end, see lastInBudget).
                    r.outOfTime = true;
                    break;
                }
                Next next = round(r, epoch);
                if (next == Next.STOP) {
                    break training;
                }
                if (next == Next.END_OF_BUDGET) {
                    break;
                }
            }
        }
        return finish(r);
    }

    /** What the loop does after a round. */
    private enum Next { ROUND, END_OF_BUDGET, STOP }

    /** A run in progress: what the loop reads and changes from round to round. */
    private static final class Run {
        final long startNanos = System.nanoTime();
        final double budgetSeconds;
        Vocabulary vocabulary;
        RoundRunner.Windows windows;
        int workers;
        ModelConfig model;
        BatchSchedule batch;
        RoundPlan plan;
        MultiLayerNetwork net;
        Progress progress;
        OuterOptimizer outer;
        JsonLinesLog metrics;
        JsonLinesLog samples;
        ModelState state;
        LearningRateSchedule schedule;
        /** The schedule's rate for the current round, before the batch's scale and a retry's halving. */
        double learningRate;
        String lastCheckpoint;
        long lastCheckpointRound;
        double lastRoundSeconds;
        /** The last round's training, without its validation and checkpoint. */
        double trainSeconds;
        /** The last validation, sample and checkpoint, as the budget's last round will take them (0 before one). */
        double saveSeconds;
        boolean outOfTime;
        boolean warnedScalarKernel;
        /** Diverged attempts of the current round, each retried at half the learning rate. */
        int failures;
        RoundRunner.Cancelled cancelled;
        /** The metrics line of the last round trained, which the end may checkpoint. */
        Map<String, Object> lastLine;

        Run(double maxMinutes) {
            budgetSeconds = maxMinutes > 0 ? maxMinutes * 60 : Double.POSITIVE_INFINITY;
        }

        double elapsed() {
            return seconds(startNanos);
        }

        /** Whether --patience ended the run's cycle and its early decay is done. */
        boolean stoppedEarly() {
            return schedule.stoppedEarlyBy(progress.epochFraction());
        }
    }

    /** What a round leaves to be undone if it diverges or is cancelled: nothing of it is then kept. */
    private record Before(ModelState state, Progress progress, float[] velocity, BatchSchedule.State batch) {
        static Before of(Run r) {
            return new Before(r.state, r.progress, r.outer.velocity() == null ? null : r.outer.velocity().clone(),
                    r.batch.state());
        }

        void restore(Run r) {
            r.state = state;
            r.state.applyTo(r.net);
            r.outer.restoreVelocity(velocity);
            r.batch.restore(batch);
            r.progress = progress;
        }
    }

    /** Refuses, before allocating it, a model whose state a round or a checkpoint could not carry. */
    static void requireShippable(long parameters, RoundRunner.StateLimit limit) {
        long bytes = parameters * 3 * Float.BYTES;
        if (bytes > limit.bytes()) {
            throw new UserError(String.format(Locale.ROOT, "the model has %,d parameters: with Adam's state %.2f GiB,"
                    + " over the %.2f GiB that %s can carry; use a smaller --hidden or fewer --layers", parameters,
                    bytes / (double) (1L << 30), limit.bytes() / (double) (1L << 30), limit.what()));
        }
    }

    /**
     * The start: the newest checkpoint that loads (resume) or a warm start's weights, the vocabulary, the windows,
     * the workers, the model, the batch and the plan, the network, the progress and the logs.
     */
    private Run start(Checkpoint resumed) {
        Run r = new Run(config.maxMinutes());
        Vocabulary corpusVocabulary = runner.corpusVocabulary();
        Checkpoint warmStart = resumed == null && config.initFrom() != null
                ? RunDirectory.resolve(config.initFrom(), hadoopConf, false) : null;
        r.vocabulary = resumed != null ? sameSymbols(resumed.meta().vocabulary(), corpusVocabulary, "the run in "
                + run.uri(), "resume with the corpus it was trained on (or one with no new symbols), or start a new"
                + " run") : warmStart != null ? sameSymbols(warmStart.meta().vocabulary(), corpusVocabulary,
                "the --init-from model", "remove them from the corpus, or train from scratch without --init-from")
                : corpusVocabulary;
        r.windows = windows(r.vocabulary, corpusVocabulary);
        r.workers = workers(resumed);
        // Checkpoints record the workers resolved, so that a resume with --workers 0 sees its data in the same order.
        r.model = resumed != null ? modelFor(r.vocabulary, resumed, "the run in " + run.uri())
                : modelFor(r.vocabulary, warmStart, "the --init-from model");
        // A batch left unset is the run's own when it continues, else the default for these workers.
        TrainConfig settled = config.withBatchOf(resumed != null ? resumed.meta().train() : null, r.workers)
                .withScheduleOf(resumed != null ? resumed.meta().train() : null);
        r.batch = BatchSchedule.of(settled, r.workers, resumed != null ? resumed.meta().batch() : null);
        recorded = settled.withWorkers(r.workers).withModel(r.model).withStartBatch(r.batch.perWorker());
        provenance = new java.util.LinkedHashMap<>(io.charrnn.common.BuildInfo.versions());
        provenance.putAll(runner.provenance());
        provenance.put("workers", Integer.toString(r.workers));
        provenance.put("validation", ValidationSplit.Subset.PROTOCOL);
        long resumeAt = resumed != null ? resumePosition(resumed.meta(), r.windows.training()) : 0;
        r.plan = planAt(r.windows.training(), r.workers, r.batch, resumeAt);
        LOG.info("corpus: {} symbols, {} characters; {} training and {} validation windows of {} (the held-out {}%"
                        + " of the text, scored with the state carried {}); {} workers on {},"
                        + " {} rounds per epoch; {}; {}; {}", r.vocabulary.size(), corpusVocabulary.totalCount(),
                r.windows.training(), r.windows.validation(), config.window(),
                String.format(Locale.ROOT, "%.4g", 100 * config.valFraction()), r.windows.sampled()
                        ? "through groups of consecutive windows spread over it: it is over --val-max-chars"
                        : "through all of it", r.workers, runner.describe(),
                r.plan.roundsPerEpoch(), r.batch.describe(), describe(config.averaging(), r.workers),
                r.model.adaptive() == null ? "char-rnn's input and softmax" : r.model.adaptive().describe(
                        r.model.hidden()));
        float[] velocity = null;
        if (resumed != null) {
            r.net = resumed.network();
            if (resumed.meta().train().model().lstm() != r.model.lstm()) {
                r.net = CharLstm.current(r.net, r.model);
                LOG.info("continuing with the {} LSTM layer (the checkpoint used {})", r.model.lstm(),
                        resumed.meta().train().model().lstm());
            }
            Progress saved = resumed.meta().progress();
            r.progress = new Progress(saved.epoch(), 0, r.plan.roundsPerEpoch(), saved.totalRounds(),
                    saved.charsTrained(), saved.trainSeconds(), saved.trainLoss(), saved.valLoss(),
                    bestToCompareWith(resumed, r.windows), resumeAt, r.plan.windows()).under(r.plan);
            velocity = resumed.outerVelocity();
            r.metrics = JsonLinesLog.resume(run, RunDirectory.METRICS_FILE, saved.totalRounds());
            r.samples = JsonLinesLog.resume(run, RunDirectory.SAMPLES_FILE, saved.totalRounds());
            LOG.info("resuming {} at epoch {} (round {} of {})", run.uri(), String.format(Locale.ROOT, "%.2f",
                    r.progress.epochFraction()), r.progress.totalRounds(), r.plan.roundsPerEpoch());
        } else {
            requireShippable(CharLstm.parameters(r.model, r.vocabulary.size()), runner.stateLimit(r.workers));
            r.net = warmStarted(CharLstm.create(r.model, r.vocabulary.size()), warmStart, r.model);
            r.progress = Progress.start(r.plan);
            // Empty for a new run; a run started again in place drops the lines of the rounds it redoes.
            r.metrics = JsonLinesLog.resume(run, RunDirectory.METRICS_FILE, 0);
            r.samples = JsonLinesLog.resume(run, RunDirectory.SAMPLES_FILE, 0);
        }
        Averaging averaging = config.averaging();
        r.outer = new OuterOptimizer(averaging.outerLr(), averaging.momentumFor(r.workers), averaging.warmupRounds(),
                velocity);
        r.lastCheckpointRound = resumed != null ? r.progress.totalRounds() : -1;
        r.schedule = LearningRateSchedule.of(settled, r.progress.epochFraction(),
                resumed != null ? resumed.meta().schedule() : null);
        LOG.info("{}", r.schedule.describe());
        return r;
    }

    /**
     * The best validation loss a resumed run's next checkpoints must beat to become {@code best}: the checkpoint's,
     * unless it was scored on other windows. A split over --val-max-chars was scored every k-th window from a zero
     * state before groups of consecutive windows ({@link ValidationSplit.Subset#PROTOCOL}); such a loss does not
     * compare with today's, so the next checkpoint becomes best.
     */
    private static double bestToCompareWith(Checkpoint resumed, RoundRunner.Windows windows) {
        var made = resumed.meta().provenance();
        boolean sameProtocol = made != null && ValidationSplit.Subset.PROTOCOL.equals(made.get("validation"));
        if (windows.sampled() && !sameProtocol) {
            LOG.warn("the run's validation losses so far were scored on every k-th held-out window from a zero state;"
                    + " from now on groups of consecutive windows are scored, so the next checkpoint becomes best");
            return Double.POSITIVE_INFINITY;
        }
        return resumed.meta().progress().bestValLoss();
    }

    /** The corpus cut into windows in the run's vocabulary; a corpus too small for one window is refused. */
    private RoundRunner.Windows windows(Vocabulary vocabulary, Vocabulary corpusVocabulary) {
        RoundRunner.Windows windows = runner.load(vocabulary);
        if (windows.training() == 0) {
            throw new UserError("the corpus (" + corpusVocabulary.totalCount() + " characters) is shorter than one"
                    + " training window of " + config.window() + " characters plus its validation share; use a"
                    + " smaller --window or a larger corpus");
        }
        if (windows.validation() == 0) {
            throw new UserError("the validation split is empty: the corpus (" + corpusVocabulary.totalCount()
                    + " characters) has no whole window of " + config.window() + " characters in its held-out "
                    + ValidationSplit.BLOCK_BYTES / 1024 + " KiB blocks; raise --val-fraction, lower --window,"
                    + " or use a larger corpus");
        }
        return windows;
    }

    /** A new network, with a warm start's weights where there is one. */
    private MultiLayerNetwork warmStarted(MultiLayerNetwork net, Checkpoint warmStart, ModelConfig model) {
        if (warmStart != null) {
            ModelConfig from = warmStart.meta().train().model();
            if (from.layers() != model.layers() || from.hidden() != model.hidden()) {
                throw new UserError("--init-from " + config.initFrom() + " is a " + from.layers() + " x "
                        + from.hidden() + " LSTM; use --layers " + from.layers() + " --hidden " + from.hidden());
            }
            net.setParams(warmStart.network().params());
            LOG.info("starting from the weights of {}", config.initFrom());
        }
        return net;
    }

    /**
     * One round: the runner trains it, the outer step takes the mean change, and then the round is kept (metrics,
     * and on schedule validation, sample and checkpoint) or, diverged or cancelled, undone.
     */
    private Next round(Run r, int epoch) {
        long roundStart = System.nanoTime();
        // A round trains at one rate: the schedule's at the round's middle, the nearest to its mean over the round (a
        // cycle of a few rounds, such as the quick start's 14, spent its whole first round at the warm-up's tenth).
        double rate = r.schedule.rateAt(r.progress.epochFractionAtMiddleOf(r.plan), r.elapsed() + r.trainSeconds / 2);
        if (rate != r.learningRate) {
            // The driver's network carries the rate into checkpoints; the workers take the round's from RoundStart.
            r.learningRate = rate;
            CharLstm.setLearningRate(r.net, r.learningRate * r.batch.learningRateScale());
        }
        double roundLearningRate = r.learningRate * r.batch.learningRateScale() * Math.pow(0.5, r.failures);
        RoundStart start = new RoundStart(r.state, r.model, r.vocabulary.size(), r.batch.perWorker(),
                roundLearningRate, epoch);
        WorkerResult sum;
        try {
            sum = runner.train(r.plan, epoch, r.progress.round(), start);
        } catch (RoundRunner.Cancelled e) {
            r.cancelled = e;
            return Next.STOP;
        }
        Before before = Before.of(r);
        ModelState mean = sum.mean(r.state);
        double meanSquare = NoiseScale.squaredDistance(mean.params(), r.state.params());
        r.state = mean.withParams(r.outer.step(r.state.params(), mean.params(), r.progress.totalRounds()));
        r.state.applyTo(r.net);
        double roundSeconds = seconds(roundStart);
        long chars = sum.windows() * config.window();
        boolean fullRound = r.plan.isFull(r.progress.round());
        r.progress = r.progress.afterRound(r.plan, chars, roundSeconds, sum.meanLoss());

        boolean endOfEpoch = r.progress.epoch() != epoch;
        boolean scheduled = r.progress.totalRounds() % config.checkpointEvery() == 0 || endOfEpoch
                || r.progress.epoch() >= config.epochs();
        // The last round the budget allows checkpoints too, so that its metrics line is its only one. Another round
        // fits if, after this round's own validation and checkpoint where they are due, it can train as long as this
        // one or the one before and then validate and checkpoint as the last checkpointed round did (it may be the
        // last: its checkpoint is inside the budget too).
        double nextRound = Math.max(roundSeconds, r.trainSeconds) + r.saveSeconds;
        boolean lastInBudget = r.elapsed() + (scheduled ? r.saveSeconds : 0) + nextRound > r.budgetSeconds;
        boolean due = scheduled || lastInBudget;
        long saveStart = System.nanoTime();
        String diverged = validated(r, sum, due);
        if (diverged != null || r.cancelled != null) {
            // Nothing of this round is kept: not its state, not its outer velocity, no checkpoint, no metrics.
            before.restore(r);
            return r.cancelled != null ? Next.STOP : retry(r, diverged, lastInBudget, roundLearningRate);
        }
        r.failures = 0;
        if (due && r.schedule.afterValidation(r.progress.valLoss(), r.progress.epochFraction(), r.elapsed())) {
            LOG.info("no new best validation loss ({}) in {} validations in a row (--patience): {}",
                    String.format(Locale.ROOT, "%.4f", r.schedule.cycle().best()), config.patience(),
                    r.schedule.describeEarlyEnd());
        }
        int roundBatch = r.batch.perWorker();
        if (r.batch.afterRound(sum, fullRound, meanSquare)) {
            // The next round steps on more windows: the rest of the epoch is dealt anew for them.
            LOG.info("noise scale {} windows: the batch grows to {}, learning rate x {}", String.format(
                    Locale.ROOT, "%.0f", r.batch.noiseScale()), r.batch.describe(), String.format(Locale.ROOT,
                    "%.3f", r.batch.learningRateScale()));
            CharLstm.setLearningRate(r.net, r.learningRate * r.batch.learningRateScale());
            if (r.progress.epoch() == epoch) {
                r.plan = planAt(r.windows.training(), r.workers, r.batch, r.progress.position());
                r.progress = r.progress.under(r.plan);
            }
        }
        record(r, sum, due, roundStart, chars / roundSeconds, roundBatch, roundLearningRate);
        r.trainSeconds = roundSeconds;
        if (due) {
            r.saveSeconds = seconds(saveStart);
        }
        if (lastInBudget) {
            r.outOfTime = true;
            return Next.END_OF_BUDGET;
        }
        if (r.stoppedEarly()) {
            return Next.END_OF_BUDGET;
        }
        return Next.ROUND;
    }

    /**
     * The round's validation loss when a checkpoint is due; why the round diverged (its training loss, its
     * parameters or its validation loss), or null. A cancel during validation is kept in {@code r.cancelled}.
     */
    private String validated(Run r, WorkerResult sum, boolean due) {
        String diverged = Divergence.of(sum.meanLoss(), r.state.params(), r.vocabulary.size());
        if (diverged == null && due) {
            try {
                r.progress = r.progress.withValidation(runner.validationLoss(r.net));
                if (!Double.isFinite(r.progress.valLoss())) {
                    diverged = "validation loss " + r.progress.valLoss();
                }
            } catch (RoundRunner.Cancelled e) {
                r.cancelled = e; // the round counts as not done: undone, as a diverged one is
            }
        }
        return diverged;
    }

    /** After a diverged round, undone: again at half the learning rate, or the end of the run. */
    private Next retry(Run r, String diverged, boolean lastInBudget, double roundLearningRate) {
        r.failures++;
        if (lastInBudget) {
            // No time for a retry: the run ends at the state before the round (checkpointed at the end).
            LOG.warn("round {} diverged ({}) in the last minutes of --max-minutes: not retried",
                    r.progress.totalRounds() + 1, diverged);
            r.outOfTime = true;
            return Next.END_OF_BUDGET;
        }
        if (r.failures > Divergence.RETRIES) {
            throw new Divergence.Stopped(String.format(Locale.ROOT, "training diverged in round %d (%s) %d times,"
                            + " the last at learning rate %.3g; the run stays at its last good checkpoint (%s); lower"
                            + " --learning-rate or --grad-clip to go on", r.progress.totalRounds() + 1, diverged,
                    r.failures, roundLearningRate, run.pointer(RunDirectory.LATEST).orElse("none yet")));
        }
        LOG.warn("round {} diverged ({}): back to the state before it, trying it again at learning rate {}",
                r.progress.totalRounds() + 1, diverged, r.learningRate * Math.pow(0.5, r.failures));
        return Next.ROUND;
    }

    /** A kept round's metrics line, then on schedule its sample and checkpoint, and the progress line. */
    private void record(Run r, WorkerResult sum, boolean due, long roundStart, double charsPerSecond, int roundBatch,
                        double roundLearningRate) {
        String saved = due ? CheckpointName.of(r.progress.epochFraction(), r.progress.valLoss(),
                r.plan.roundsOfAWholeEpoch()) : null;
        r.lastRoundSeconds = seconds(roundStart);
        Map<String, Object> line = Metrics.record(r.progress, charsPerSecond, r.elapsed(), saved);
        line.put(Metrics.ROUND_SECONDS, Math.round(r.lastRoundSeconds * 1000) / 1000.0);
        line.put(Metrics.OPTIMIZER_STEPS, r.state.iteration());
        line.put(Metrics.WORKER_SECONDS, Math.round(sum.maxWorkerSeconds() * 1000) / 1000.0);
        line.put(Metrics.SCALAR_KERNEL_WORKERS, sum.scalarKernelWorkers());
        line.put(Metrics.WORKER_BATCH, roundBatch);
        line.put(Metrics.WINDOWS_PER_STEP, roundBatch * sum.workers());
        line.put(Metrics.NOISE_SCALE, Double.isFinite(r.batch.noiseScale())
                ? Math.round(r.batch.noiseScale() * 10) / 10.0 : null);
        line.put(Metrics.LEARNING_RATE, roundLearningRate);
        r.metrics.append(line);
        r.lastLine = line;
        if (saved != null) {
            logSample(r.net, r.vocabulary, r.progress, saved, r.samples);
            saveCheckpoint(r, saved);
            r.lastCheckpoint = saved;
            r.lastCheckpointRound = r.progress.totalRounds();
        }
        runner.roundEnded(line);
        if (sum.scalarKernelWorkers() > 0 && !r.warnedScalarKernel) {
            r.warnedScalarKernel = true;
            LOG.warn("{} of {} workers run the scalar LSTM kernel, ~1.6x slower: their JVMs lack "
                    + "--add-modules=jdk.incubator.vector (conf/jvm-options); charrnn doctor checks a "
                    + "cluster", sum.scalarKernelWorkers(), sum.workers());
        }
        LOG.info(progressLine(r.progress, saved != null, charsPerSecond, r.lastRoundSeconds, r.startNanos,
                r.budgetSeconds) + batchLine(sum.workers(), roundBatch, r.batch.noiseScale())
                + patienceLine(saved != null, r.schedule.cycle()));
    }

    /**
     * The end: a last checkpoint of a state trained but not yet checkpointed (its round's metrics line then names
     * it), unless a stopped application cannot evaluate it; a cancel's one line.
     */
    private TrainResult finish(Run r) {
        if (r.lastCheckpointRound != r.progress.totalRounds()
                && (r.cancelled == null || r.cancelled.runnerUsable())) {
            r.progress = r.progress.withValidation(runner.validationLoss(r.net));
            r.lastCheckpoint = CheckpointName.of(r.progress.epochFraction(), r.progress.valLoss(),
                r.plan.roundsOfAWholeEpoch());
            Map<String, Object> line = Metrics.record(r.progress, Double.NaN, r.elapsed(), r.lastCheckpoint);
            if (r.lastLine != null && r.lastLine.get(Metrics.ROUND).equals(line.get(Metrics.ROUND))) {
                // The round's line, written when it ended, now with its validation loss and checkpoint: one line.
                Map<String, Object> merged = new LinkedHashMap<>(r.lastLine);
                for (String key : List.of(Metrics.VAL_LOSS, Metrics.VAL_BITS, Metrics.ELAPSED_SECONDS, Metrics.CHECKPOINT,
                        Metrics.TIME)) {
                    merged.put(key, line.get(key));
                }
                line = merged;
                r.metrics.replaceLast(line);
            } else {
                r.metrics.append(line);
            }
            logSample(r.net, r.vocabulary, r.progress, r.lastCheckpoint, r.samples);
            saveCheckpoint(r, r.lastCheckpoint);
            runner.roundEnded(line);
        }
        if (r.cancelled != null) {
            throw new RoundRunner.Cancelled(String.format(Locale.ROOT, "%s; the run stays at round %d, checkpoint"
                            + " %s; run the same command to resume", r.cancelled.getMessage(),
                    r.progress.totalRounds(), run.pointer(RunDirectory.LATEST).orElse("none yet")),
                    r.cancelled.runnerUsable());
        }
        String latest = r.lastCheckpoint != null ? r.lastCheckpoint : run.pointer(RunDirectory.LATEST).orElse(null);
        return new TrainResult(r.progress, latest, run.pointer(RunDirectory.BEST).orElse(null),
                r.vocabulary.size(), r.elapsed(), r.outOfTime, r.stoppedEarly());
    }

    /** The rounds from {@code position} of an epoch on, at the batch in force. */
    private RoundPlan planAt(long trainingWindows, int workers, BatchSchedule batch, long position) {
        return new RoundPlan(trainingWindows, workers, batch.perWorker(), config.averagingFrequency(), position);
    }

    /**
     * Where in its epoch a resumed run goes on: the checkpoint's position, or for a checkpoint from before positions
     * were recorded, its rounds times the windows of its rounds. A corpus that changed since (a nightly run's grown
     * text) or other workers cut the rest of the epoch anew, so some windows of it may be skipped or seen twice:
     * said, not silent.
     */
    private long resumePosition(CheckpointMeta meta, long trainingWindows) {
        Progress saved = meta.progress();
        TrainConfig before = meta.train();
        long position = saved.epochWindows() > 0 ? saved.position()
                : (long) saved.round() * before.workers() * before.batchSize() * before.averagingFrequency();
        boolean sameEpoch = saved.epochWindows() > 0 ? saved.epochWindows() == trainingWindows
                : saved.roundsPerEpoch() == new RoundPlan(trainingWindows, before.workers(), before.batchSize(),
                        before.averagingFrequency()).roundsPerEpoch();
        if (!sameEpoch) {
            LOG.warn("{} was trained on an epoch of other training windows (now {}): the corpus changed; continuing"
                    + " at window {} of the epoch", run.uri(), trainingWindows, Math.min(position,
                    trainingWindows - 1));
        }
        return Math.min(position, trainingWindows - 1);
    }

    private static String describe(Averaging averaging, int workers) {
        if (averaging.mode() == Averaging.Mode.DL4J) {
            return "DL4J's parameter averaging";
        }
        double momentum = averaging.momentumFor(workers);
        if (averaging.outerLr() == 1 && momentum == 0) {
            return "plain parameter averaging";
        }
        return String.format(Locale.ROOT, "outer Nesterov step, lr %s, momentum %s%s", averaging.outerLr(),
                momentum, averaging.warmupRounds() > 0 ? " after " + averaging.warmupRounds()
                        + " rounds of plain averaging" : "");
    }

    /**
     * The run's model configuration with the layout of its adaptive layers: a checkpoint's network (resumed or
     * warm-started from) keeps the one it has, which an explicit {@code --adaptive} must not contradict; a new
     * network gets what {@code --adaptive} makes of the vocabulary's counts. Only the fused LSTM lays its input out
     * adaptively.
     */
    private ModelConfig modelFor(Vocabulary vocabulary, Checkpoint from, String what) {
        ModelConfig asked = config.model();
        boolean fused = asked.lstm() == LstmImplementation.FUSED;
        if (from == null) {
            if (!fused && asked.adaptiveChoice() == AdaptiveSoftmax.Choice.ON) {
                throw new UserError("--adaptive on needs --lstm fused; drop --lstm stock or --adaptive on");
            }
            return asked.withAdaptive(fused ? AdaptiveSoftmax.plan(asked.adaptiveChoice(), vocabulary.counts())
                    : null);
        }
        AdaptiveSoftmax layout = from.meta().train().model().adaptive();
        if (asked.adaptiveChoice() != AdaptiveSoftmax.Choice.AUTO
                && (asked.adaptiveChoice() == AdaptiveSoftmax.Choice.ON) != (layout != null)) {
            throw new UserError("--adaptive " + asked.adaptiveChoice().name().toLowerCase(Locale.ROOT)
                    + " does not match " + what + ", whose layers are " + (layout == null ? "not " : "")
                    + "adaptive; drop --adaptive to keep them, or start a new run");
        }
        if (layout != null && !fused) {
            throw new UserError(what + " has adaptive layers, which only --lstm fused computes; drop --lstm stock");
        }
        return asked.withAdaptive(layout);
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

    /**
     * How many workers train: {@code --workers} when given; for 0, the workers a resumed run trained with (the data
     * order and the averaging depend on them, and the task slots of the cluster may have changed since); else one
     * per task slot.
     */
    private int workers(Checkpoint resumed) {
        if (config.workers() > 0) {
            return config.workers();
        }
        int before = resumed == null ? 0 : resumed.meta().train().workers();
        if (before > 0) {
            if (before != runner.defaultWorkers()) {
                LOG.info("--workers 0: continuing with the {} workers the run trained with ({} task slots now); give"
                        + " --workers to change it", before, runner.defaultWorkers());
            }
            return before;
        }
        return runner.defaultWorkers();
    }

    /**
     * Writes the checkpoint {@code name} (its round's metrics and sample lines are already written: a job killed
     * between the two resumes from the checkpoint before, which cuts those lines and trains the round again; in the
     * other order the round's lines were lost for good), then applies {@code --keep}.
     */
    private void saveCheckpoint(Run r, String name) {
        byte[] bytes = new Checkpoint(r.net, CheckpointMeta.of(r.vocabulary, recorded, r.progress, provenance,
                r.batch.state(), r.schedule.cycle()), r.outer.velocity()).toBytes();
        run.saveCheckpoint(name, bytes, r.progress.isBest());
        LOG.info("checkpoint {} written to {}", name, run.uri());
        if (config.keep() > 0) {
            for (String old : run.retain(config.keep())) {
                LOG.info("deleted old checkpoint {} (--keep {})", old, config.keep());
            }
        }
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

    /** The batch the round stepped on, and the noise scale that {@code --global-batch auto} follows. */
    private static String batchLine(int workers, int perWorker, double noiseScale) {
        return String.format(Locale.ROOT, " | batch %d x %d%s", workers, perWorker, Double.isFinite(noiseScale)
                ? String.format(Locale.ROOT, " | noise scale %.1f", noiseScale) : "");
    }

    /** At a validation with --patience: how many in a row brought no new best, or that the early decay is on. */
    private String patienceLine(boolean evaluated, LearningRateSchedule.Cycle cycle) {
        if (config.patience() <= 0 || !evaluated) {
            return "";
        }
        return cycle.endsEarly() ? String.format(Locale.ROOT, " | early end at epoch %.2f", cycle.stopAt())
                : String.format(Locale.ROOT, " | no new best %d of %d", cycle.stalled(), config.patience());
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
