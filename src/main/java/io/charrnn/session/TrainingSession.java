package io.charrnn.session;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.CheckpointMeta;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.UserError;
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

    /** Trains until the epochs are done or the time budget is spent; {@code resume} continues the run in place. */
    public TrainResult train(boolean resume) {
        long startNanos = System.nanoTime();
        double budgetSeconds = config.maxMinutes() > 0 ? config.maxMinutes() * 60 : Double.POSITIVE_INFINITY;

        Checkpoint resumed = resume ? loadLatest() : null;
        if (resume && resumed == null) {
            // The job before stopped before its first checkpoint (killed, out of memory, a preempted node): nothing
            // of it is worth keeping, so the same command starts the run again rather than refusing every night.
            LOG.warn("{} holds a run without a checkpoint yet (its job stopped before the first one): starting it"
                    + " again in place", run.uri());
        }
        Vocabulary corpusVocabulary = runner.corpusVocabulary();
        Vocabulary vocabulary = corpusVocabulary;
        Checkpoint warmStart = null;
        if (resumed != null) {
            vocabulary = sameSymbols(resumed.meta().vocabulary(), vocabulary, "the run in " + run.uri(),
                    "resume with the corpus it was trained on (or one with no new symbols), or start a new run");
        } else if (config.initFrom() != null) {
            warmStart = RunDirectory.resolve(config.initFrom(), hadoopConf, false);
            vocabulary = sameSymbols(warmStart.meta().vocabulary(), vocabulary, "the --init-from model",
                    "remove them from the corpus, or train from scratch without --init-from");
        }

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
        int workers = workers(resumed);
        // Checkpoints record the workers resolved, so that a resume with --workers 0 sees its data in the same order.
        ModelConfig model = resumed != null ? modelFor(vocabulary, resumed, "the run in " + run.uri())
                : modelFor(vocabulary, warmStart, "the --init-from model");
        // A batch left unset is the run's own when it continues, else the default for these workers.
        TrainConfig settled = config.withBatchOf(resumed != null ? resumed.meta().train() : null, workers);
        BatchSchedule batch = BatchSchedule.of(settled, workers, resumed != null ? resumed.meta().batch() : null);
        recorded = settled.withWorkers(workers).withModel(model).withStartBatch(batch.perWorker());
        provenance = new java.util.LinkedHashMap<>(io.charrnn.checkpoint.BuildInfo.versions());
        provenance.putAll(runner.provenance());
        provenance.put("workers", Integer.toString(workers));
        long resumeAt = resumed != null ? resumePosition(resumed.meta(), windows.training()) : 0;
        RoundPlan plan = planAt(windows.training(), workers, batch, resumeAt);
        Averaging averaging = config.averaging();
        LOG.info("corpus: {} symbols, {} characters; {} training and {} validation windows of {}; {} workers on {},"
                        + " {} rounds per epoch; {}; {}; {}", vocabulary.size(), corpusVocabulary.totalCount(),
                windows.training(), windows.validation(), config.window(), workers, runner.describe(),
                plan.roundsPerEpoch(), batch.describe(), describe(averaging, workers), model.adaptive() == null
                        ? "char-rnn's input and softmax" : model.adaptive().describe(model.hidden()));

        MultiLayerNetwork net;
        Progress progress;
        float[] velocity = null;
        JsonLinesLog metrics;
        JsonLinesLog samples;
        if (resumed != null) {
            net = resumed.network();
            if (resumed.meta().train().model().lstm() != model.lstm()) {
                net = CharLstm.current(net, model);
                LOG.info("continuing with the {} LSTM layer (the checkpoint used {})", model.lstm(),
                        resumed.meta().train().model().lstm());
            }
            Progress saved = resumed.meta().progress();
            progress = new Progress(saved.epoch(), 0, plan.roundsPerEpoch(), saved.totalRounds(),
                    saved.charsTrained(), saved.trainSeconds(), saved.trainLoss(), saved.valLoss(),
                    saved.bestValLoss(), resumeAt, plan.windows()).under(plan);
            velocity = resumed.outerVelocity();
            metrics = JsonLinesLog.resume(run, RunDirectory.METRICS_FILE, saved.totalRounds());
            samples = JsonLinesLog.resume(run, RunDirectory.SAMPLES_FILE, saved.totalRounds());
            LOG.info("resuming {} at epoch {} (round {} of {})", run.uri(), String.format(Locale.ROOT, "%.2f",
                    progress.epochFraction()), progress.totalRounds(), plan.roundsPerEpoch());
        } else {
            net = CharLstm.create(model, vocabulary.size());
            if (warmStart != null) {
                ModelConfig from = warmStart.meta().train().model();
                if (from.layers() != model.layers() || from.hidden() != model.hidden()) {
                    throw new UserError("--init-from " + config.initFrom() + " is a " + from.layers() + " x "
                            + from.hidden() + " LSTM; use --layers " + from.layers() + " --hidden " + from.hidden());
                }
                net.setParams(warmStart.network().params());
                LOG.info("starting from the weights of {}", config.initFrom());
            }
            progress = Progress.start(plan);
            // Empty for a new run; a run started again in place drops the lines of the rounds it redoes.
            metrics = JsonLinesLog.resume(run, RunDirectory.METRICS_FILE, 0);
            samples = JsonLinesLog.resume(run, RunDirectory.SAMPLES_FILE, 0);
        }
        OuterOptimizer outer = new OuterOptimizer(averaging.outerLr(), averaging.momentumFor(workers),
                averaging.warmupRounds(), velocity);

        String lastCheckpoint = null;
        long lastCheckpointRound = resumed != null ? progress.totalRounds() : -1;
        double lastRoundSeconds = 0;
        boolean outOfTime = false;
        ModelState state = null;
        boolean warnedScalarKernel = false;
        int failures = 0; // diverged attempts of the current round, each retried at half the learning rate
        RoundRunner.Cancelled cancelled = null;
        Map<String, Object> lastLine = null; // of the last round trained, which the end may checkpoint

        training:
        while (progress.epoch() < config.epochs() && !outOfTime) {
            int epoch = progress.epoch();
            if (progress.position() == 0) {
                plan = planAt(windows.training(), workers, batch, 0);
                progress = progress.under(plan);
            }
            double learningRate = config.learningRateAt(epoch);
            net.setLearningRate(learningRate * batch.learningRateScale());
            state = ModelState.of(net);
            while (progress.epoch() == epoch) {
                if (lastRoundSeconds == 0 && seconds(startNanos) > budgetSeconds) {
                    // Spent before the first round (later rounds decide at their end, see lastInBudget).
                    outOfTime = true;
                    break;
                }
                long roundStart = System.nanoTime();
                double roundLearningRate = learningRate * batch.learningRateScale() * Math.pow(0.5, failures);
                RoundStart start = new RoundStart(state, model, vocabulary.size(), batch.perWorker(),
                        roundLearningRate, epoch);
                WorkerResult sum;
                try {
                    sum = runner.train(plan, epoch, progress.round(), start);
                } catch (RoundRunner.Cancelled e) {
                    cancelled = e;
                    break training;
                }
                ModelState before = state;
                Progress progressBefore = progress;
                float[] velocityBefore = outer.velocity() == null ? null : outer.velocity().clone();
                BatchSchedule.State batchBefore = batch.state();
                ModelState mean = sum.mean(state);
                double meanSquare = NoiseScale.squaredDistance(mean.params(), state.params());
                state = mean.withParams(outer.step(state.params(), mean.params(), progress.totalRounds()));
                state.applyTo(net);
                double roundSeconds = seconds(roundStart);
                long chars = sum.windows() * config.window();
                boolean fullRound = plan.isFull(progress.round());
                progress = progress.afterRound(plan, chars, roundSeconds, sum.meanLoss());

                boolean endOfEpoch = progress.epoch() != epoch;
                // The last round the budget allows checkpoints too, so that its metrics line is its only one.
                // The next round is taken to last as long as this one or the last one with its evaluation.
                boolean lastInBudget = seconds(startNanos) + Math.max(roundSeconds, lastRoundSeconds) > budgetSeconds;
                boolean due = progress.totalRounds() % config.checkpointEvery() == 0 || endOfEpoch
                        || progress.epoch() >= config.epochs() || lastInBudget;
                String diverged = Divergence.of(sum.meanLoss(), state.params(), vocabulary.size());
                if (diverged == null && due) {
                    try {
                        progress = progress.withValidation(runner.validationLoss(net));
                        if (!Double.isFinite(progress.valLoss())) {
                            diverged = "validation loss " + progress.valLoss();
                        }
                    } catch (RoundRunner.Cancelled e) {
                        cancelled = e; // the round counts as not done: undone below, as a diverged one is
                    }
                }
                if (diverged != null || cancelled != null) {
                    // Nothing of this round is kept: not its state, not its outer velocity, no checkpoint, no metrics.
                    state = before;
                    state.applyTo(net);
                    outer.restoreVelocity(velocityBefore);
                    batch.restore(batchBefore);
                    progress = progressBefore;
                    if (cancelled != null) {
                        break training;
                    }
                    failures++;
                    if (lastInBudget) {
                        // No time for a retry: the run ends at the state before the round (checkpointed below).
                        LOG.warn("round {} diverged ({}) in the last minutes of --max-minutes: not retried",
                                progress.totalRounds() + 1, diverged);
                        outOfTime = true;
                        break;
                    }
                    if (failures > Divergence.RETRIES) {
                        throw new Divergence.Stopped(String.format(Locale.ROOT, "training diverged in round %d (%s)"
                                        + " %d times, the last at learning rate %.3g; the run stays at its last good"
                                        + " checkpoint (%s); lower --learning-rate or --grad-clip to go on",
                                progress.totalRounds() + 1, diverged, failures, roundLearningRate,
                                run.pointer(RunDirectory.LATEST).orElse("none yet")));
                    }
                    LOG.warn("round {} diverged ({}): back to the state before it, trying it again at learning rate"
                            + " {}", progress.totalRounds() + 1, diverged, learningRate * Math.pow(0.5, failures));
                    continue;
                }
                failures = 0;
                int roundBatch = batch.perWorker();
                if (batch.afterRound(sum, fullRound, meanSquare)) {
                    // The next round steps on more windows: the rest of the epoch is dealt anew for them.
                    LOG.info("noise scale {} windows: the batch grows to {}, learning rate x {}", String.format(
                            Locale.ROOT, "%.0f", batch.noiseScale()), batch.describe(), String.format(Locale.ROOT,
                            "%.3f", batch.learningRateScale()));
                    net.setLearningRate(learningRate * batch.learningRateScale());
                    if (progress.epoch() == epoch) {
                        plan = planAt(windows.training(), workers, batch, progress.position());
                        progress = progress.under(plan);
                    }
                }
                String saved = due ? Checkpoint.fileName(progress.epochFraction(), progress.valLoss()) : null;
                lastRoundSeconds = seconds(roundStart);
                Map<String, Object> line = Metrics.record(progress, chars / roundSeconds, seconds(startNanos), saved);
                line.put("round_seconds", Math.round(lastRoundSeconds * 1000) / 1000.0);
                line.put("optimizer_steps", state.iteration());
                line.put("worker_seconds", Math.round(sum.maxWorkerSeconds() * 1000) / 1000.0);
                line.put("scalar_kernel_workers", sum.scalarKernelWorkers());
                line.put("worker_batch", roundBatch);
                line.put("windows_per_step", roundBatch * sum.workers());
                line.put("noise_scale", Double.isFinite(batch.noiseScale())
                        ? Math.round(batch.noiseScale() * 10) / 10.0 : null);
                line.put("learning_rate", roundLearningRate);
                metrics.append(line);
                lastLine = line;
                if (saved != null) {
                    logSample(net, vocabulary, progress, saved, samples);
                    saveCheckpoint(net, outer, batch, vocabulary, progress, saved);
                    lastCheckpoint = saved;
                    lastCheckpointRound = progress.totalRounds();
                }
                runner.roundEnded(line);
                if (sum.scalarKernelWorkers() > 0 && !warnedScalarKernel) {
                    warnedScalarKernel = true;
                    LOG.warn("{} of {} workers run the scalar LSTM kernel, ~1.6x slower: their JVMs lack "
                            + "--add-modules=jdk.incubator.vector (conf/jvm-options); charrnn doctor checks a "
                            + "cluster", sum.scalarKernelWorkers(), sum.workers());
                }
                LOG.info(progressLine(progress, saved != null, chars / roundSeconds, lastRoundSeconds,
                        startNanos, budgetSeconds) + batchLine(sum.workers(), roundBatch, batch.noiseScale()));
                if (lastInBudget) {
                    outOfTime = true;
                    break;
                }
            }
        }
        if (lastCheckpointRound != progress.totalRounds() && (cancelled == null || cancelled.runnerUsable())) {
            progress = progress.withValidation(runner.validationLoss(net));
            lastCheckpoint = Checkpoint.fileName(progress.epochFraction(), progress.valLoss());
            Map<String, Object> line = Metrics.record(progress, Double.NaN, seconds(startNanos), lastCheckpoint);
            if (lastLine != null && lastLine.get("round").equals(line.get("round"))) {
                // The round's line, written when it ended, now with its validation loss and checkpoint: one line.
                Map<String, Object> merged = new java.util.LinkedHashMap<>(lastLine);
                for (String key : List.of("val_loss", "val_bits", "elapsed_seconds", "checkpoint", "time")) {
                    merged.put(key, line.get(key));
                }
                line = merged;
                metrics.replaceLast(line);
            } else {
                metrics.append(line);
            }
            logSample(net, vocabulary, progress, lastCheckpoint, samples);
            saveCheckpoint(net, outer, batch, vocabulary, progress, lastCheckpoint);
            runner.roundEnded(line);
        }
        if (cancelled != null) {
            throw new RoundRunner.Cancelled(String.format(Locale.ROOT, "%s; the run stays at round %d, checkpoint"
                            + " %s; run the same command to resume", cancelled.getMessage(), progress.totalRounds(),
                    run.pointer(RunDirectory.LATEST).orElse("none yet")), cancelled.runnerUsable());
        }
        if (lastCheckpoint == null) {
            lastCheckpoint = run.pointer(RunDirectory.LATEST).orElse(null);
        }
        return new TrainResult(progress, lastCheckpoint, run.pointer(RunDirectory.BEST).orElse(null),
                vocabulary.size(), seconds(startNanos), outOfTime);
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
     * The newest checkpoint that loads: the one {@code latest} names, else the others newest first. A damaged one
     * (truncated, failing its checksum, unreadable) is reported and skipped. Null when the run has no checkpoint
     * and no pointer to one at all.
     */
    private Checkpoint loadLatest() {
        List<String> candidates = new ArrayList<>();
        run.pointer(RunDirectory.LATEST).ifPresent(candidates::add);
        for (String name : run.checkpointsNewestFirst()) {
            if (!candidates.contains(name)) {
                candidates.add(name);
            }
        }
        if (candidates.isEmpty()) {
            return null;
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
    private void saveCheckpoint(MultiLayerNetwork net, OuterOptimizer outer, BatchSchedule batch,
                                Vocabulary vocabulary, Progress progress, String name) {
        byte[] bytes = new Checkpoint(net, CheckpointMeta.of(vocabulary, recorded, progress, provenance,
                batch.state()), outer.velocity()).toBytes();
        run.saveCheckpoint(name, bytes, progress.isBest());
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

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
