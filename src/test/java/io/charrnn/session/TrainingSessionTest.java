package io.charrnn.session;

import java.nio.file.Files;
import io.charrnn.common.Json;
import io.charrnn.corpus.ValidationSplit;
import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.TestCorpora;
import io.charrnn.TrainingState;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.model.AdaptiveSoftmax;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.training.Averaging;
import io.charrnn.training.BatchSchedule;
import io.charrnn.training.Divergence;
import io.charrnn.training.EpochOrder;
import io.charrnn.training.LearningRateSchedule;
import io.charrnn.training.LocalRoundRunner;
import io.charrnn.training.ModelState;
import io.charrnn.training.RoundPlan;
import io.charrnn.training.RoundRunner;
import io.charrnn.training.RoundStart;
import io.charrnn.training.RoundWorker;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import io.charrnn.training.WorkerResult;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The training session without Spark, on the in-process round runner: exact resume after a crash with the outer
 * optimizer, determinism for 1 to 3 workers, plain averaging computed independently, exact optimizer step counts,
 * and learning. A tiny model keeps every run to a second or two.
 */
class TrainingSessionTest {
    private static final ModelConfig MODEL = new ModelConfig(1, 16, 10, 0, 1e-2, 5, 11, LstmImplementation.FUSED);
    private static final int WINDOW = 40;
    private static final int BATCH = 4;
    private static final int FREQUENCY = 2;
    private static final int EVERY = 5;

    @TempDir
    static Path shared;
    private static LocalCorpus corpus;

    @TempDir
    Path dir;

    @BeforeAll
    static void readCorpus() throws Exception {
        Path file = TestCorpora.writeVerse(shared, 24_000);
        corpus = LocalCorpus.read(new Configuration(), file.toUri().toString(), CorpusOptions.defaults(0.1));
    }

    /** char-rnn's step schedule, which the tests of exact rates read (a cosine run has its own tests). */
    private static TrainConfig config(String output, int workers, int epochs, Averaging averaging) {
        return config(output, workers, epochs, averaging, LearningRateSchedule.STEP, null);
    }

    private static TrainConfig config(String output, int workers, int epochs, Averaging averaging, String schedule,
                                      String initFrom) {
        return new TrainConfig("verse", output, MODEL, WINDOW, BATCH, FREQUENCY, 0.1, epochs, 0, EVERY, workers, 100_000,
                0, 0.5, 1, 0, initFrom, averaging, null, 0, schedule, null, 0);
    }

    private static Averaging outer(double lr, Double momentum) {
        return new Averaging(Averaging.Mode.OUTER, lr, momentum, 0);
    }

    private TrainResult train(Path run, TrainConfig config, boolean resume, RoundRunner runner) {
        RunDirectory dirOfRun = new RunDirectory(run.toUri().toString(), new Configuration());
        return new TrainingSession(config, dirOfRun, runner, new Configuration())
                .train(resume ? RunStart.latestThatLoads(dirOfRun, config) : null);
    }

    private static LocalRoundRunner runner() {
        return new LocalRoundRunner(corpus, WINDOW, 100_000);
    }

    /** What a test runner does with the {@code call}-th round it is asked for (from 1); {@code train} runs it. */
    private interface Round {
        WorkerResult run(int call, RoundStart start, java.util.function.Supplier<WorkerResult> train);
    }

    /** The in-process runner with each round going through {@code round}. */
    private static RoundRunner intercepting(Round round) {
        return intercepting(round, runner().defaultWorkers(), new ArrayList<>());
    }

    /** As {@link #intercepting(Round)}, on {@code slots} task slots, noting the workers of every round's plan. */
    private static RoundRunner intercepting(Round round, int slots, List<Integer> planWorkers) {
        return intercepting(round, slots, planWorkers, runner());
    }

    private static RoundRunner intercepting(Round round, int slots, List<Integer> planWorkers,
                                            LocalRoundRunner inner) {
        return intercepting(round, slots, planWorkers, inner, 0);
    }

    /** As above, every validation taking {@code validationPauseMillis} longer. */
    private static RoundRunner intercepting(Round round, int slots, List<Integer> planWorkers,
                                            LocalRoundRunner inner, long validationPauseMillis) {
        return new RoundRunner() {
            private int calls;

            @Override
            public Vocabulary corpusVocabulary() {
                return inner.corpusVocabulary();
            }

            @Override
            public Windows load(Vocabulary vocabulary) {
                return inner.load(vocabulary);
            }

            @Override
            public int defaultWorkers() {
                return slots;
            }

            @Override
            public WorkerResult train(RoundPlan plan, int epoch, int r, RoundStart start) {
                planWorkers.add(plan.workers());
                return round.run(++calls, start, () -> inner.train(plan, epoch, r, start));
            }

            @Override
            public double validationLoss(MultiLayerNetwork net) {
                try {
                    Thread.sleep(validationPauseMillis);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return inner.validationLoss(net);
            }

            @Override
            public String describe() {
                return "intercepting";
            }

            @Override
            public void close() {
            }
        };
    }

    /** A runner that dies like a killed job when it is asked for round {@code crashAt} (counted from 1). */
    private static RoundRunner crashingAt(int crashAt) {
        return crashingAt(crashAt, runner());
    }

    private static RoundRunner crashingAt(int crashAt, LocalRoundRunner inner) {
        return intercepting((call, start, train) -> {
            if (call == crashAt) {
                throw new IllegalStateException("killed");
            }
            return train.get();
        }, inner.defaultWorkers(), new ArrayList<>(), inner);
    }

    /**
     * A corpus of 1,200 ideographs (every one at least once, the rest Zipf-distributed) and spaces: wider than
     * {@link AdaptiveSoftmax#AUTO_ABOVE}, so that {@code --softmax auto} makes its output adaptive.
     */
    private static LocalCorpus wideCorpus() throws Exception {
        java.util.Random random = new java.util.Random(4);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 24_000; i++) {
            int symbol = i < 1_200 ? i : (int) Math.min(1_199, Math.floor(Math.pow(1_200, random.nextDouble())) - 1);
            text.appendCodePoint(0x4E00 + symbol).append(random.nextInt(4) == 0 ? " " : "");
        }
        return corpusOf("wide.txt", text);
    }

    /** {@code text} written to {@code name} in the shared directory and read with a tenth held out. */
    private static LocalCorpus corpusOf(String name, CharSequence text) throws Exception {
        Path file = shared.resolve(name);
        java.nio.file.Files.writeString(file, text);
        return LocalCorpus.read(new Configuration(), file.toUri().toString(), CorpusOptions.defaults(0.1));
    }

    @Test
    void aWideVocabularyTrainsAdaptiveLayersAndResumesBitForBitWithThem() throws Exception {
        LocalCorpus wide = wideCorpus();
        assertTrue(wide.vocabulary().size() > AdaptiveSoftmax.AUTO_ABOVE, "symbols: " + wide.vocabulary().size());
        ModelConfig model = MODEL.withAdaptiveChoice(AdaptiveSoftmax.Choice.AUTO);
        java.util.function.Function<Path, TrainConfig> configFor = run -> new TrainConfig("wide",
                run.toUri().toString(), model, WINDOW, BATCH, FREQUENCY, 0.1, 1, 0, EVERY, 2, 100_000, 0, 0.5, 1, 0, null, outer(1, null), null, 0, null, null, 0);
        Path reference = dir.resolve("reference");
        TrainResult done = train(reference, configFor.apply(reference), false, new LocalRoundRunner(wide, WINDOW,
                100_000));
        assertTrue(Double.isFinite(done.progress().valLoss()), "validation loss " + done.progress().valLoss());
        Checkpoint checkpoint = RunDirectory.load(RunDirectory.resolveUri(reference.toUri().toString(),
                new Configuration()), new Configuration(), false);
        AdaptiveSoftmax layout = checkpoint.meta().train().model().adaptive();
        assertEquals(AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.AUTO, checkpoint.meta().vocabulary().counts()),
                layout);
        assertEquals(layout, ((io.charrnn.model.AdaptiveOutput) checkpoint.network().getOutputLayer().conf()
                .getLayer()).plan());
        TrainingState expected = TrainingState.latest(reference);

        Path killed = dir.resolve("killed");
        TrainConfig config = configFor.apply(killed);
        assertThrows(IllegalStateException.class, () -> train(killed, config, false,
                crashingAt(EVERY + 2, new LocalRoundRunner(wide, WINDOW, 100_000))));
        UserError contradicted = assertThrows(UserError.class, () -> train(killed,
                config.withModel(MODEL.withAdaptiveChoice(AdaptiveSoftmax.Choice.OFF)), true,
                new LocalRoundRunner(wide, WINDOW, 100_000)));
        assertTrue(contradicted.getMessage().startsWith("--adaptive off does not match the run in "),
                contradicted.getMessage());
        assertEquals(io.charrnn.cli.Main.USER_ERROR, io.charrnn.cli.Cli.reported(contradicted).exitCode());
        UserError stock = assertThrows(UserError.class, () -> train(killed,
                config.withModel(config.model().withLstm(LstmImplementation.STOCK)), true,
                new LocalRoundRunner(wide, WINDOW, 100_000)));
        assertTrue(stock.getMessage().endsWith("has adaptive layers, which only --lstm fused computes; drop --lstm"
                + " stock"), stock.getMessage());
        train(killed, config, true, new LocalRoundRunner(wide, WINDOW, 100_000));
        expected.assertSameAs(TrainingState.latest(killed), "resumed run");
        UserError stockOn = assertThrows(UserError.class, () -> train(dir.resolve("stock"), configFor.apply(
                dir.resolve("stock")).withModel(MODEL.withLstm(LstmImplementation.STOCK).withAdaptiveChoice(
                AdaptiveSoftmax.Choice.ON)), false, new LocalRoundRunner(wide, WINDOW, 100_000)));
        assertEquals("--adaptive on needs --lstm fused; drop --lstm stock or --adaptive on", stockOn.getMessage());
    }

    /** A round whose workers' loss came out NaN, as a diverging one. */
    private static WorkerResult diverged(RoundStart start, WorkerResult real) {
        return WorkerResult.of(0, real.mean(start.state()), 1, Double.NaN, 1, real.windows(), 0.1);
    }

    @Test
    void aDivergedRoundIsRetriedAtHalfTheLearningRateAndNeverKept() {
        Path run = dir.resolve("diverge-once");
        List<Double> rates = new ArrayList<>();
        TrainResult result = train(run, config(run.toUri().toString(), 1, 1, outer(1, null)), false,
                intercepting((call, start, train) -> {
                    rates.add(start.learningRate());
                    return call == 3 ? diverged(start, train.get()) : train.get();
                }));
        double lr = MODEL.learningRate();
        assertEquals(List.of(lr, lr, lr, lr / 2, lr), rates.subList(0, 5));
        List<JsonNode> lines = JsonLinesLog.read(new RunDirectory(run.toUri().toString(), new Configuration()),
                RunDirectory.METRICS_FILE);
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i).get("round").asLong(), "every round logged once, in order");
            assertTrue(Double.isFinite(lines.get(i).get("train_loss").asDouble()));
        }
        assertEquals(rates.size() - 1, lines.size(), "one attempt more than rounds");
        assertTrue(Double.isFinite(result.progress().valLoss()));
    }

    @Test
    void aRoundThatKeepsDivergingStopsTheRunAtItsLastGoodCheckpoint() {
        Path run = dir.resolve("diverge-always");
        RunDirectory runDir = new RunDirectory(run.toUri().toString(), new Configuration());
        List<Double> rates = new ArrayList<>();
        Divergence.Stopped e = assertThrows(Divergence.Stopped.class, () -> train(run,
                config(run.toUri().toString(), 1, 3, outer(1, null)), false, intercepting((call, start, train) -> {
                    rates.add(start.learningRate());
                    return call > EVERY + 1 ? diverged(start, train.get()) : train.get();
                })));
        double lr = MODEL.learningRate();
        assertEquals(List.of(lr, lr / 2, lr / 4, lr / 8), rates.subList(EVERY + 1, rates.size()));
        String latest = runDir.pointer(RunDirectory.LATEST).orElseThrow();
        assertTrue(e.getMessage().contains("diverged in round " + (EVERY + 2)) && e.getMessage().contains(latest),
                e.getMessage());
        io.charrnn.cli.Cli seen = io.charrnn.cli.Cli.reported(e);
        assertEquals(io.charrnn.cli.Main.FAILURE, seen.exitCode(), seen.toString());
        assertTrue(seen.err().startsWith("charrnn: stopped: training diverged in round "), seen.err());
        assertEquals(List.of(latest), runDir.checkpointNames(), "only the checkpoint before the divergence");
        assertEquals(EVERY, runDir.load(latest, true).meta().progress().totalRounds());
        assertEquals(EVERY + 1, JsonLinesLog.read(runDir, RunDirectory.METRICS_FILE).size());
    }

    /**
     * A run from before validation scored groups of consecutive windows, its split over --val-max-chars: its best
     * loss was measured on other windows, so after the resume the next checkpoint becomes best.
     */
    @Test
    void aCappedSplitScoredTheOldWayIsNotComparedWithTheNewWay() throws Exception {
        Path run = dir.resolve("capped");
        // 10 windows' worth of the validation split: groups, not all of it.
        TrainConfig capped = new TrainConfig("verse", run.toUri().toString(), MODEL, WINDOW, BATCH, FREQUENCY, 0.1,
                1, 0, EVERY, 1, 10L * WINDOW, 0, 0.5, 1, 0, null, outer(1, null), null, 0, null, null, 0);
        assertThrows(IllegalStateException.class, () -> train(run, capped, false,
                crashingAt(EVERY + 2, new LocalRoundRunner(corpus, WINDOW, 10L * WINDOW))));
        RunDirectory runDir = new RunDirectory(run.toUri().toString(), new Configuration());
        String latest = runDir.pointer(RunDirectory.LATEST).orElseThrow();
        assertEquals(ValidationSplit.Subset.PROTOCOL, runDir.load(latest, false).meta().provenance().get("validation"));
        // As a checkpoint of the old scoring says it: no protocol, and a best loss no later checkpoint would beat.
        Path file = run.resolve(latest);
        byte[] old = Files.readAllBytes(file);
        var out = new java.io.ByteArrayOutputStream();
        try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(old));
             var zip = new java.util.zip.ZipOutputStream(out)) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (e.getName().equals(Checkpoint.META_ENTRY)) {
                    var meta = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(content);
                    ((com.fasterxml.jackson.databind.node.ObjectNode) meta.get("provenance")).remove("validation");
                    ((com.fasterxml.jackson.databind.node.ObjectNode) meta.get("progress")).put("bestValLoss", 0.001);
                    content = Json.mapper().writeValueAsBytes(meta);
                }
                zip.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                zip.write(content);
                zip.closeEntry();
            }
        }
        Files.write(file, out.toByteArray());
        assertEquals(0.001, runDir.load(latest, false).meta().progress().bestValLoss());

        train(run, capped, true, new LocalRoundRunner(corpus, WINDOW, 10L * WINDOW));
        String end = runDir.pointer(RunDirectory.LATEST).orElseThrow();
        var meta = runDir.load(end, false).meta();
        assertNotEquals(latest, end);
        assertTrue(meta.progress().bestValLoss() > 0.001, "best compared across scorings: " + meta.progress());
        assertTrue(runDir.pointer(RunDirectory.BEST).isPresent() && !runDir.pointer(RunDirectory.BEST).get()
                .equals(latest), "best still names the old-scored checkpoint");
    }

    @Test
    void theDecayScheduleAndTheOuterStepBelongToTheRun() {
        TrainConfig base = config("file:/r", 1, 2, outer(1, null));
        TrainConfig decay = new TrainConfig("verse", "file:/r", MODEL, WINDOW, BATCH, FREQUENCY, 0.1, 2, 0, EVERY, 1,
                100_000, 0, 0.9, 1, 0, null, outer(1, null), null, 0, null, null, 0);
        assertEquals(List.of("--lr-decay 0.5 (not 0.9)"), decay.differencesFrom(base));
        assertEquals(List.of("--outer-momentum auto (not 0.5)", "--outer-warmup 0 (not 3)"),
                config("file:/r", 1, 2, new Averaging(Averaging.Mode.OUTER, 1, 0.5, 3)).differencesFrom(base));
        assertTrue(config("file:/r", 3, 2, outer(1, null)).sameRunAs(base), "workers are checked by the plan");
        // The windows (partitions) and the scored windows (validation cap) belong to the run too.
        TrainConfig windows = new TrainConfig("verse", "file:/r", MODEL, WINDOW, BATCH, FREQUENCY, 0.1, 2, 0, EVERY, 1,
                50_000, 0, 0.5, 1, 0, null, outer(1, null), null, 8, null, null, 0);
        assertEquals(List.of("--partitions 0 (not 8)", "--val-max-chars 100000 (not 50000)"),
                windows.differencesFrom(base));
    }

    /** With dropout too: each round's masks are drawn from the round and the worker, not from what ran before. */
    @Test
    void aRunWithDropoutResumedEndsBitForBitLikeAnUninterruptedOne() {
        ModelConfig withDropout = new ModelConfig(1, 16, 10, 0.25, 1e-2, 5, 11, LstmImplementation.FUSED);
        java.util.function.Function<Path, TrainConfig> configFor = run -> new TrainConfig("verse",
                run.toUri().toString(), withDropout, WINDOW, BATCH, FREQUENCY, 0.1, 2, 0, EVERY, 2, 100_000, 0, 0.5,
                1, 0, null, outer(1, null), null, 0, LearningRateSchedule.STEP, null, 0);
        Path reference = dir.resolve("reference-dropout");
        train(reference, configFor.apply(reference), false, runner());
        Path killed = dir.resolve("killed-dropout");
        assertThrows(IllegalStateException.class, () -> train(killed, configFor.apply(killed), false,
                crashingAt(EVERY + 2)));
        train(killed, configFor.apply(killed), true, runner());
        TrainingState.latest(reference).assertSameAs(TrainingState.latest(killed), "a run with dropout, resumed");
    }

    @Test
    void aRunResumedInTheMiddleOfItsDecayEndsBitForBitLikeAnUninterruptedOne() {
        TrainConfig reference = config(dir.resolve("reference").toUri().toString(), 2, 2, outer(1, null),
                LearningRateSchedule.COSINE, null);
        train(dir.resolve("reference"), reference, false, runner());
        TrainingState expected = TrainingState.latest(dir.resolve("reference"));
        assertNotNull(expected.outerVelocity(), "the outer optimizer's velocity is checkpointed");

        Path killed = dir.resolve("killed");
        TrainConfig config = config(killed.toUri().toString(), 2, 2, outer(1, null), LearningRateSchedule.COSINE,
                null);
        // Rounds 1-7 done, a checkpoint after round 5; round 8 dies, so rounds 6 and 7 are redone after the resume.
        assertThrows(IllegalStateException.class, () -> train(killed, config, false, crashingAt(EVERY + 3)));
        assertEquals(EVERY, TrainingState.latest(killed).rounds());
        assertEquals(EVERY + 2, JsonLinesLog.read(new RunDirectory(killed.toUri().toString(), new Configuration()),
                RunDirectory.METRICS_FILE).size());
        train(killed, config, true, runner());

        expected.assertSameAs(TrainingState.latest(killed), "resumed run");
        List<JsonNode> lines = JsonLinesLog.read(new RunDirectory(killed.toUri().toString(), new Configuration()),
                RunDirectory.METRICS_FILE);
        assertEquals(expected.rounds(), lines.size(), "every round in metrics.jsonl once");
        List<JsonNode> uninterrupted = metricsOf(dir.resolve("reference"));
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i).get("round").asLong());
            assertEquals(uninterrupted.get(i).get("learning_rate").asDouble(),
                    lines.get(i).get("learning_rate").asDouble(), "round " + (i + 1));
        }
        // Warmed up, decayed, down to a tenth at the end: the rates the resumed rounds 6 and 7 trained at were late
        // in the cycle, not those of a new one.
        double lr = MODEL.learningRate();
        double first = lines.get(0).get("learning_rate").asDouble();
        assertTrue(first > lr / 10 && first < 0.9 * lr, "the first round at the warm-up's middle: " + first);
        assertTrue(lines.get(EVERY + 1).get("learning_rate").asDouble() < lines.get(2).get("learning_rate").asDouble());
        assertTrue(lines.get(lines.size() - 1).get("learning_rate").asDouble() < lr / 5, lines.toString());
    }

    /**
     * Random letters: nothing to learn beyond their frequencies, so the held-out loss stops improving within the
     * first epoch while the training loss goes on falling, as on a small text read too often. By its name's hash
     * its first 16 KiB block is the held-out one: about 7,600 characters train.
     */
    private static LocalCorpus noiseCorpus() throws Exception {
        java.util.Random random = new java.util.Random(5);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 24_000; i++) {
            text.append((char) ('a' + random.nextInt(12)));
        }
        return corpusOf("noise.txt", text);
    }

    /**
     * --patience: validations without a new best end the cycle with a decay to a tenth, then the job; a job killed
     * in that decay resumes on the same rates and stops where the uninterrupted one did, bit for bit; the same
     * command then has nothing to do.
     */
    @Test
    void patienceEndsARunThatOnlyMemorizesWithADecayAndAResumeEndsItBitForBit() throws Exception {
        LocalCorpus noise = noiseCorpus();
        int patience = 3;
        int epochs = 20;
        java.util.function.Function<Path, TrainConfig> config = out -> new TrainConfig("noise", out.toUri()
                .toString(), MODEL, WINDOW, BATCH, FREQUENCY, 0.1, epochs, 0, EVERY, 1, 100_000, 0, 0.5, 1, 0, null,
                outer(1, null), null, 0, LearningRateSchedule.WSD, null, patience);
        Path reference = dir.resolve("reference");
        TrainResult result = train(reference, config.apply(reference), false,
                new LocalRoundRunner(noise, WINDOW, 100_000));
        assertTrue(result.stoppedEarly() && !result.outOfTime(), "stopped by --patience");
        assertTrue(result.progress().epoch() < epochs, "before its epochs: " + result.progress());

        // The validation that ended the cycle: the first checkpoint whose cycle ends early.
        RunDirectory referenceDir = new RunDirectory(reference.toUri().toString(), new Configuration());
        int ending = Integer.MAX_VALUE;
        for (String name : referenceDir.checkpointNames()) {
            var meta = referenceDir.load(name, false).meta();
            if (meta.schedule().endsEarly()) {
                ending = (int) Math.min(ending, meta.progress().totalRounds() - 1);
            }
        }
        assertTrue(ending < Integer.MAX_VALUE, "no checkpoint ends the cycle early");
        List<JsonNode> lines = metricsOf(reference);
        // ... after `patience` validations in a row no lower than the best before them (losses rounded as logged).
        double bestBefore = Double.POSITIVE_INFINITY;
        List<Double> recent = new ArrayList<>();
        for (int i = 0; i <= ending; i++) {
            if (lines.get(i).hasNonNull("val_loss")) {
                recent.add(lines.get(i).get("val_loss").asDouble());
            }
        }
        for (int i = 0; i < recent.size() - patience; i++) {
            bestBefore = Math.min(bestBefore, recent.get(i));
        }
        for (double loss : recent.subList(recent.size() - patience, recent.size())) {
            assertTrue(loss > bestBefore - 1e-6, loss + " set a new best below " + bestBefore + ": " + recent);
        }
        double lr = MODEL.learningRate();
        assertEquals(lr, lines.get(ending).get("learning_rate").asDouble(), 1e-12, "held until then");
        int last = lines.size() - 1;
        assertTrue(last - ending >= 3, "a decay of a few rounds after round " + (ending + 1) + ": " + (last + 1));
        for (int i = ending + 1; i <= last; i++) {
            assertTrue(lines.get(i).get("learning_rate").asDouble() < lines.get(i - 1).get("learning_rate")
                    .asDouble(), "falling in round " + (i + 1));
        }
        assertTrue(lines.get(last).get("learning_rate").asDouble() < lr / 2, "ends on the way to a tenth: "
                + lines.get(last));
        assertTrue(lines.get(last).hasNonNull("checkpoint"), "the end is checkpointed");

        // Killed two rounds after the checkpoint of the validation that ended the cycle, then resumed.
        Path killed = dir.resolve("killed");
        try (RunStart fresh = RunStart.open(new RunDirectory(killed.toUri().toString(), new Configuration()),
                config.apply(killed), java.time.Duration.ofMinutes(10), false, false)) {
            assertNull(fresh.resumed());
        }
        int crash = ending + 3;
        assertThrows(IllegalStateException.class, () -> train(killed, config.apply(killed), false,
                crashingAt(crash, new LocalRoundRunner(noise, WINDOW, 100_000))));
        RunDirectory killedDir = new RunDirectory(killed.toUri().toString(), new Configuration());
        var resumedFrom = killedDir.load(killedDir.pointer(RunDirectory.LATEST).orElseThrow(), false).meta();
        assertTrue(resumedFrom.schedule().endsEarly() && resumedFrom.progress().totalRounds() <= ending + 2,
                "resumed from a checkpoint in the early decay: " + resumedFrom.progress());
        TrainResult resumed = train(killed, config.apply(killed), true, new LocalRoundRunner(noise, WINDOW, 100_000));
        assertTrue(resumed.stoppedEarly());
        TrainingState.latest(reference).assertSameAs(TrainingState.latest(killed), "resumed in the early decay");
        List<JsonNode> again = metricsOf(killed);
        assertEquals(lines.size(), again.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(lines.get(i).get("learning_rate").asDouble(), again.get(i).get("learning_rate").asDouble(),
                    "round " + (i + 1));
        }
        NothingToDo done = assertThrows(NothingToDo.class, () -> RunStart.open(new RunDirectory(killed.toUri()
                .toString(), new Configuration()), config.apply(killed), java.time.Duration.ofMinutes(10), true,
                false));
        assertTrue(done.getMessage().contains("stopped early") && done.getMessage().contains("raise --epochs"),
                done.getMessage());
    }

    @Test
    void aWarmStartWarmsUpAgain() {
        Path first = dir.resolve("first");
        train(first, config(first.toUri().toString(), 1, 1, outer(1, null), LearningRateSchedule.COSINE, null), false,
                runner());
        Path warm = dir.resolve("warm");
        train(warm, config(warm.toUri().toString(), 1, 1, outer(1, null), LearningRateSchedule.COSINE,
                first.toUri().toString()), false, runner());
        List<JsonNode> lines = metricsOf(warm);
        double lr = MODEL.learningRate();
        double warmed = lines.get(0).get("learning_rate").asDouble();
        // A new cycle: warm-up again (the first round trains at the rate of its middle, inside the warm-up).
        assertTrue(warmed > lr / 10 && warmed < 0.9 * lr, "a new cycle: warm-up again: " + warmed);
        assertTrue(lines.get(1).get("learning_rate").asDouble() > lr / 2, lines.toString());
        assertEquals(metricsOf(first).get(0).get("learning_rate").asDouble(),
                lines.get(0).get("learning_rate").asDouble());
    }

    private static TrainConfig batchConfig(String output, int batchSize, String globalBatch) {
        return new TrainConfig("verse", output, MODEL, WINDOW, batchSize, FREQUENCY, 0.1, 1, 0, EVERY, 2, 100_000,
                0, 0.5, 1, 0, null, outer(1, null), globalBatch, 0, LearningRateSchedule.STEP, null, 0);
    }

    private static List<JsonNode> metricsOf(Path run) {
        return JsonLinesLog.read(new RunDirectory(run.toUri().toString(), new Configuration()),
                RunDirectory.METRICS_FILE);
    }

    /**
     * The round's two workers as if they had disagreed more: the same mean state, each worker's change from the
     * start spread by 0.9 of the mean change (reversed, so not along it). That sets the noise scale to
     * 2b |d|^2 / (|D|^2 - |d|^2) = 2 x 0.81 / 0.19, about 8.5 windows for one-window workers, whatever the model
     * learns: the batch schedule sees a reason to grow.
     */
    private static WorkerResult spread(RoundStart start, WorkerResult real) {
        ModelState mean = real.mean(start.state());
        float[] from = start.state().params();
        float[] m = mean.params();
        int n = m.length;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            float d = 0.9f * (m[n - 1 - i] - from[n - 1 - i]);
            a[i] = m[i] + d;
            b[i] = m[i] - d;
        }
        int steps = mean.iteration() - start.state().iteration();
        double nats = real.meanLoss() * 1000;
        long half = real.windows() / 2;
        return WorkerResult.sumInOrder(0, List.of(
                WorkerResult.of(0, new ModelState(a, mean.updater(), mean.iteration()), steps, nats, 1000, half, 0.1)
                        .withChangeFrom(start.state()),
                WorkerResult.of(1, new ModelState(b, mean.updater(), mean.iteration()), steps, nats, 1000,
                        real.windows() - half, 0.1).withChangeFrom(start.state())));
    }

    @Test
    void aRunResumedRightAfterItsBatchGrewEndsBitForBitLikeAnUninterruptedOne() {
        // Two workers of one window each to start, whose rounds say the noise scale is about 8.5 windows.
        Path reference = dir.resolve("reference");
        train(reference, batchConfig(reference.toUri().toString(), 0, "auto:2"), false,
                intercepting((call, start, train) -> spread(start, train.get())));
        List<JsonNode> lines = metricsOf(reference);
        int grown = 0;
        while (grown < lines.size() && lines.get(grown).get("worker_batch").asInt() == 1) {
            grown++;
        }
        assertEquals(BatchSchedule.AUTO_MIN_ROUNDS, grown, "the batch grew after the rounds the schedule waits");
        assertTrue(lines.get(grown - 1).get("noise_scale").asDouble() >= 4, lines.get(grown - 1).toString());
        assertTrue(grown < lines.size() - 2 * EVERY, "inside the epoch: round " + grown + " of " + lines.size());
        assertEquals(2, lines.get(grown).get("worker_batch").asInt());
        assertEquals(4, lines.get(grown).get("windows_per_step").asInt());
        assertEquals(MODEL.learningRate(), lines.get(grown).get("learning_rate").asDouble(), 1e-12,
                "4 windows per step: the rate given");
        TrainingState expected = TrainingState.latest(reference);

        // The first checkpoint at or after the round that grew the batch holds the new batch and a plan that starts
        // inside the epoch; the crash comes three rounds later.
        int checkpointed = (grown + EVERY - 1) / EVERY * EVERY;
        Path killed = dir.resolve("killed");
        TrainConfig config = batchConfig(killed.toUri().toString(), 0, "auto:2");
        assertThrows(IllegalStateException.class, () -> train(killed, config, false,
                intercepting((call, start, train) -> {
                    if (call == checkpointed + 3) {
                        throw new IllegalStateException("killed");
                    }
                    return spread(start, train.get());
                })));
        RunDirectory killedDir = new RunDirectory(killed.toUri().toString(), new Configuration());
        Checkpoint saved = killedDir.load(killedDir.pointer(RunDirectory.LATEST).orElseThrow(), false);
        assertEquals(checkpointed, saved.meta().progress().totalRounds());
        assertEquals(4, saved.meta().batch().globalBatch());
        assertTrue(saved.meta().progress().position() > 0, "inside the epoch");
        train(killed, config, true, intercepting((call, start, train) -> spread(start, train.get())));
        expected.assertSameAs(TrainingState.latest(killed), "resumed run");
        assertEquals(lines.size(), metricsOf(killed).size(), "every round in metrics.jsonl once");
    }

    @Test
    void aGlobalBatchIsSharedByTheWorkersAndAboveThirtyTwoRaisesTheLearningRate() {
        Path run = dir.resolve("g64");
        List<Integer> batches = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        train(run, batchConfig(run.toUri().toString(), 0, "64"), false, intercepting((call, start, train) -> {
            batches.add(start.batchSize());
            rates.add(start.learningRate());
            return train.get();
        }, 2, new ArrayList<>()));
        assertTrue(batches.stream().allMatch(b -> b == 32), batches.toString());
        assertTrue(rates.stream().allMatch(r -> Math.abs(r - MODEL.learningRate() * Math.sqrt(2)) < 1e-12),
                rates.toString());
        JsonNode first = metricsOf(run).get(0);
        assertEquals(64, first.get("windows_per_step").asInt());
        assertEquals(32, first.get("worker_batch").asInt());

        // Neither flag: 32 windows per step, shared by the two workers, at the rate given.
        Path unset = dir.resolve("unset");
        batches.clear();
        rates.clear();
        train(unset, batchConfig(unset.toUri().toString(), 0, null), false, intercepting((call, start, train) -> {
            batches.add(start.batchSize());
            rates.add(start.learningRate());
            return train.get();
        }, 2, new ArrayList<>()));
        assertTrue(batches.stream().allMatch(b -> b == 16), batches.toString());
        assertTrue(rates.stream().allMatch(r -> r == MODEL.learningRate()), rates.toString());
    }

    @Test
    void aRunFromBeforeTheGlobalBatchResumesWithItsOwnPerWorkerBatch() {
        Path reference = dir.resolve("reference");
        train(reference, batchConfig(reference.toUri().toString(), BATCH, null), false, runner());
        TrainingState expected = TrainingState.latest(reference);

        // The run as this project wrote it before: no global batch, no batch state, no epoch position.
        Path old = dir.resolve("old");
        assertThrows(IllegalStateException.class, () -> train(old, batchConfig(old.toUri().toString(), BATCH, null),
                false, crashingAt(2 * EVERY + 2)));
        RunDirectory runDir = new RunDirectory(old.toUri().toString(), new Configuration());
        String latest = runDir.pointer(RunDirectory.LATEST).orElseThrow();
        Checkpoint c = runDir.load(latest, true);
        io.charrnn.training.Progress p = c.meta().progress();
        assertTrue(p.position() > 0, "the checkpoint is inside its epoch: " + p);
        io.charrnn.checkpoint.CheckpointMeta before = new io.charrnn.checkpoint.CheckpointMeta(c.meta().format(),
                c.meta().version(), c.meta().codePoints(), c.meta().counts(), c.meta().train(),
                new io.charrnn.training.Progress(p.epoch(), p.round(), p.roundsPerEpoch(), p.totalRounds(),
                        p.charsTrained(), p.trainSeconds(), p.trainLoss(), p.valLoss(), p.bestValLoss(), 0, 0),
                c.meta().createdAt(), null, c.meta().unknownSymbol(), c.meta().provenance(), null,
                c.meta().schedule());
        runDir.writeAtomically(latest, new Checkpoint(c.network(), before, c.outerVelocity()).toBytes());

        // Resumed with neither --batch-size nor --global-batch: the run's own 4 windows per worker, not the default.
        List<Integer> batches = new ArrayList<>();
        train(old, batchConfig(old.toUri().toString(), 0, null), true, intercepting((call, start, train) -> {
            batches.add(start.batchSize());
            return train.get();
        }));
        assertTrue(batches.stream().allMatch(b -> b == BATCH), batches.toString());
        expected.assertSameAs(TrainingState.latest(old), "resumed run");
        // Another batch on resume is another run.
        UserError other = assertThrows(UserError.class, () -> train(old, batchConfig(old.toUri().toString(), 0,
                "8"), true, runner()));
        assertTrue(other.getMessage().contains("--batch-size 4 (not --global-batch 8)"), other.getMessage());
    }

    @Test
    void aRunKilledBeforeItsFirstCheckpointStartsAgainInPlace() {
        TrainConfig reference = config(dir.resolve("reference").toUri().toString(), 2, 1, outer(1, null));
        train(dir.resolve("reference"), reference, false, runner());
        TrainingState expected = TrainingState.latest(dir.resolve("reference"));

        Path killed = dir.resolve("killed");
        TrainConfig config = config(killed.toUri().toString(), 2, 1, outer(1, null));
        // Rounds 1 and 2 done and logged, no checkpoint yet (the first is due after round 5); round 3 dies.
        assertThrows(IllegalStateException.class, () -> train(killed, config, false, crashingAt(3)));
        RunDirectory runDir = new RunDirectory(killed.toUri().toString(), new Configuration());
        assertTrue(runDir.checkpointNames().isEmpty());
        assertEquals(2, JsonLinesLog.read(runDir, RunDirectory.METRICS_FILE).size());
        train(killed, config, true, runner());
        expected.assertSameAs(TrainingState.latest(killed), "the run started again");
        List<JsonNode> lines = JsonLinesLog.read(runDir, RunDirectory.METRICS_FILE);
        assertEquals(expected.rounds(), lines.size(), "every round in metrics.jsonl once");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i).get("round").asLong());
        }
    }

    @Test
    void aRunResumedWithWorkersZeroKeepsTheWorkersItTrainedWith() {
        Path reference = dir.resolve("reference");
        train(reference, config(reference.toUri().toString(), 2, 2, outer(1, null)), false, runner());

        // Started with --workers 0 on 2 task slots, killed, resumed where there are 3 slots.
        Path run = dir.resolve("run");
        TrainConfig zero = config(run.toUri().toString(), 0, 2, outer(1, null));
        List<Integer> before = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> train(run, zero, false, intercepting((call, start, t) -> {
            if (call == EVERY + 2) {
                throw new IllegalStateException("killed");
            }
            return t.get();
        }, 2, before)));
        assertTrue(!before.isEmpty() && before.stream().allMatch(w -> w == 2), "one worker per slot: " + before);
        List<Integer> after = new ArrayList<>();
        train(run, zero, true, intercepting((call, start, t) -> t.get(), 3, after));
        assertFalse(after.isEmpty());
        assertTrue(after.stream().allMatch(w -> w == 2), "the resumed run's workers: " + after);
        TrainingState.latest(reference).assertSameAs(TrainingState.latest(run), "resumed with --workers 0");
    }

    /**
     * A second run of one configuration in the same JVM, on threads whose networks the first run left behind, ends
     * with the same bits: nothing a run leaves in the process reaches the next. (That neither threads nor the order
     * Spark's tasks end in reach a round is SparkRoundRunnerTest's: Spark against this runner, 2, 3 and 10 workers.)
     */
    @Test
    void aSecondRunInTheSameJvmGivesTheSameBitsWithOneTwoAndThreeWorkers() {
        for (int workers = 1; workers <= 3; workers++) {
            Path a = dir.resolve("a" + workers);
            Path b = dir.resolve("b" + workers);
            train(a, config(a.toUri().toString(), workers, 1, outer(1, null)), false, runner());
            train(b, config(b.toUri().toString(), workers, 1, outer(1, null)), false, runner());
            TrainingState.latest(a).assertSameAs(TrainingState.latest(b), workers + " workers");
        }
    }

    /**
     * Plain averaging (outer lr 1, momentum 0) computed here from first principles: each worker trains its dealt
     * windows from the same start, and the round's result is their float mean, the optimizer's state included.
     */
    @Test
    void outerStepOfOneWithoutMomentumIsPlainAveraging() {
        Path run = dir.resolve("plain");
        TrainConfig config = config(run.toUri().toString(), 2, 1, outer(1, 0.0));
        train(run, config, false, runner());
        RunDirectory dirOfRun = new RunDirectory(run.toUri().toString(), new Configuration());
        String firstCheckpoint = JsonLinesLog.read(dirOfRun, RunDirectory.METRICS_FILE).get(EVERY - 1)
                .get("checkpoint").asText();
        Checkpoint firstSaved = dirOfRun.load(firstCheckpoint, true);
        assertEquals(EVERY, firstSaved.meta().progress().totalRounds());

        List<EncodedWindow> training = new ArrayList<>();
        new WindowCutter(corpus.runs().iterator(), WINDOW).forEachRemaining(w -> {
            if (!w.isValidation()) {
                training.add(w);
            }
        });
        EpochOrder order = new EpochOrder(training.size(), MODEL.seed(), 0);
        EncodedWindow[] ordered = new EncodedWindow[training.size()];
        for (int i = 0; i < training.size(); i++) {
            ordered[(int) order.positionOf(i)] = training.get(i);
        }
        MultiLayerNetwork net = CharLstm.create(MODEL, corpus.vocabulary().size());
        ModelState state = ModelState.of(net);
        int perWorker = BATCH * FREQUENCY;
        for (int round = 0; round < EVERY; round++) {
            float[][] params = new float[2][];
            float[][] moments = new float[2][];
            int steps = 0;
            for (int worker = 0; worker < 2; worker++) {
                List<EncodedWindow> share = new ArrayList<>();
                for (int k = 0; k < perWorker; k++) {
                    share.add(ordered[round * 2 * perWorker + k * 2 + worker]);
                }
                RoundStart start = new RoundStart(state, MODEL, corpus.vocabulary().size(), BATCH,
                        MODEL.learningRate(), 0);
                WorkerResult result = RoundWorker.train(worker, start, share.iterator());
                ModelState end = result.mean(state);
                params[worker] = end.params();
                moments[worker] = end.updater();
                steps = end.iteration() - state.iteration();
            }
            assertEquals(FREQUENCY * WINDOW / MODEL.seqLength(), steps, "one Adam step per BPTT segment");
            state = new ModelState(mean(params), mean(moments), state.iteration() + steps);
        }
        assertArrayEquals(bits(state.params()), TrainingState.of(firstSaved).params());
        assertArrayEquals(bits(state.updater()), TrainingState.of(firstSaved).updater());
        assertEquals(state.iteration(), firstSaved.network().getIterationCount());
    }

    private static float[] mean(float[][] parts) {
        float[] out = new float[parts[0].length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (parts[0][i] + parts[1][i]) / 2;
        }
        return out;
    }

    /**
     * --max-minutes is a bound on the whole job's training, its last validation and checkpoint included: the rounds
     * train quickly and each validation takes 2 s, so a last round chosen by its training time alone would end with
     * a validation past the budget.
     */
    @Test
    void theBudgetsLastRoundEndsWithItsValidationAndCheckpointInsideTheBudget() {
        Path run = dir.resolve("budget");
        double budgetMinutes = 0.1;
        TrainConfig config = new TrainConfig("verse", run.toUri().toString(), MODEL, WINDOW, BATCH, FREQUENCY, 0.1,
                1000, budgetMinutes, EVERY, 1, 100_000, 0, 0.5, 1, 0, null, outer(1, null), null, 0,
                LearningRateSchedule.STEP, null, 0);
        RoundRunner slowValidation = intercepting((call, start, train) -> train.get(), 1, new ArrayList<>(), runner(),
                2_000);
        TrainResult result = train(run, config, false, slowValidation);
        assertTrue(result.outOfTime(), "the budget, not the epochs, ended the job");
        assertTrue(result.progress().totalRounds() > EVERY, "at least one checkpoint before the last round");
        // The next round is estimated from the rounds before it: a loaded machine may make it a little longer, far
        // less than the 2 s validation that a last round chosen by its training alone ran past the budget.
        assertTrue(result.wallSeconds() <= budgetMinutes * 60 + 0.5, "the job took " + result.wallSeconds()
                + " s of a " + budgetMinutes * 60 + " s budget");
    }

    @Test
    void learnsAndLogsTheMeanTrainingLossOfEachRound() {
        Path run = dir.resolve("learn");
        TrainResult result = train(run, config(run.toUri().toString(), 1, 2, outer(1, null)), false, runner());
        double uniform = Math.log(corpus.vocabulary().size());
        assertTrue(result.progress().valLoss() < uniform - 1.0, "validation " + result.progress().valLoss()
                + " vs uniform " + uniform);
        List<JsonNode> lines = JsonLinesLog.read(new RunDirectory(run.toUri().toString(), new Configuration()),
                RunDirectory.METRICS_FILE);
        double first = lines.get(0).get("train_loss").asDouble();
        // The first round's mean covers its first segments, scored near ln(vocabulary) before any step.
        assertTrue(first < uniform && first > uniform - 1.0, "first round's mean loss " + first);
        assertEquals(FREQUENCY * WINDOW / MODEL.seqLength(), lines.get(0).get("optimizer_steps").asInt());
    }
}
