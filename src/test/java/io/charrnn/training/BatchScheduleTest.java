package io.charrnn.training;

import io.charrnn.common.UserError;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The batch schedule's decisions: each worker's share, auto's growth and its learning rate, resume and undo. */
class BatchScheduleTest {
    private static final ModelConfig MODEL = new ModelConfig(1, 8, 5, 0, 1e-2, 5, 3, LstmImplementation.FUSED);

    private static TrainConfig config(int batchSize, String globalBatch) {
        return new TrainConfig("c", "o", MODEL, 10, batchSize, 2, 0.05, 3, 0, 5, 0, 1000, 0, 1, 0, 0, null, null,
                globalBatch, 0, null, null, 0);
    }

    /** A full round of {@code workers} workers whose changes had the given sum of squares. */
    private static WorkerResult round(int workers, double sumOfSquares) {
        ModelState start = new ModelState(new float[1], new float[0], 0);
        java.util.List<WorkerResult> parts = new java.util.ArrayList<>();
        for (int k = 0; k < workers; k++) {
            double share = sumOfSquares / workers;
            ModelState end = new ModelState(new float[]{(float) Math.sqrt(share)}, new float[0], 1);
            parts.add(WorkerResult.of(k, end, 1, 1, 1, 1, 1).withChangeFrom(start));
        }
        return WorkerResult.sumInOrder(0, parts);
    }

    @Test
    void eachWorkerTakesItsShareOfTheGlobalBatch() {
        assertEquals(4, BatchSchedule.of(config(0, "32"), 8, null).perWorker());
        assertEquals(32, BatchSchedule.of(config(0, "32"), 8, null).windowsPerStep());
        assertEquals(11, BatchSchedule.of(config(0, "32"), 3, null).perWorker(), "rounded up");
        assertEquals(1, BatchSchedule.of(config(0, "32"), 64, null).perWorker(), "at least one window a worker");
        assertEquals(64, BatchSchedule.of(config(0, "32"), 64, null).windowsPerStep());
        BatchSchedule perWorker = BatchSchedule.of(config(32, null), 8, null);
        assertEquals(32, perWorker.perWorker(), "--batch-size: per worker, as before");
        assertEquals(256, perWorker.windowsPerStep());
        assertEquals(1, perWorker.learningRateScale());
        assertEquals(BatchSchedule.DEFAULT_GLOBAL, BatchSchedule.of(config(0, "auto"), 1, null).perWorker());
        assertEquals(BatchSchedule.DEFAULT_PER_WORKER, BatchSchedule.of(config(0, "auto"), 8, null).perWorker());
        assertEquals(2, BatchSchedule.of(config(0, "auto:16"), 8, null).perWorker());
    }

    @Test
    void theDefaultIs32WindowsPerStepButAtLeast8AWorker() {
        assertEquals(32, BatchSchedule.defaultGlobal(1));
        assertEquals(32, BatchSchedule.defaultGlobal(4));
        assertEquals(64, BatchSchedule.defaultGlobal(8));
        assertEquals(512, BatchSchedule.defaultGlobal(64));
        TrainConfig unset = config(0, null);
        assertTrue(unset.batchUnset());
        assertEquals("64", unset.withBatchOf(null, 8).globalBatch());
        assertEquals(32, unset.withBatchOf(config(32, null), 8).batchSize(), "a resumed run's own batch");
        assertEquals(null, unset.withBatchOf(config(32, null), 8).globalBatch());
        assertEquals("auto", config(0, "auto").withBatchOf(null, 8).globalBatch(), "as given");
    }

    @Test
    void theLearningRateGrowsWithTheSquareRootOfTheWindowsPerStepAbove32() {
        assertEquals(1, BatchSchedule.of(config(0, "32"), 8, null).learningRateScale());
        assertEquals(1, BatchSchedule.of(config(0, "8"), 1, null).learningRateScale(), "never below 1");
        assertEquals(Math.sqrt(2), BatchSchedule.of(config(0, "64"), 8, null).learningRateScale(), 1e-12);
        assertEquals(2, BatchSchedule.of(config(0, "128"), 8, null).learningRateScale(), 1e-12);
        assertEquals(Math.sqrt(104.0 / 32), BatchSchedule.of(config(0, "100"), 8, null).learningRateScale(), 1e-12,
                "the windows a step sees: 8 x 13");
        assertEquals(1, BatchSchedule.of(config(32, null), 8, null).learningRateScale(), "--batch-size: as given");
    }

    @Test
    void badValuesAreOneLineErrors() {
        for (String bad : new String[]{"0", "-3", "many", "auto:", "auto:0", "2000000"}) {
            UserError e = assertThrows(UserError.class, () -> config(0, bad), bad);
            assertTrue(e.getMessage().startsWith("--global-batch must be"), e.getMessage());
        }
    }

    @Test
    void autoDoublesOnlyWhenTheNoiseScaleIsTwiceTheBatchAndHasSeenItLongEnough() {
        BatchSchedule s = BatchSchedule.of(config(0, "auto:8"), 2, null);
        assertTrue(s.auto());
        // Two workers of 4: s and m give a noise scale of (s - m) / (1/4 - 1/8) / ((8 m - 4 s) / 4).
        // Identical workers (sum = 2 m): no noise, never grows.
        for (int r = 0; r < 3 * BatchSchedule.AUTO_MIN_ROUNDS; r++) {
            assertFalse(s.afterRound(round(2, 2.0), true, 1.0));
        }
        assertEquals(8, s.windowsPerStep());
        assertEquals(0, s.noiseScale(), 1e-9);

        // Workers apart: each change of squared length 1, the mean's 0.6: s = 1, m = 0.6,
        // |G|^2 = (8 * 0.6 - 4) / 4 = 0.2, tr = 0.4 / (1/8) = 3.2: noise scale 16 = 2 x 8.
        BatchSchedule t = BatchSchedule.of(config(0, "auto:8"), 2, null);
        for (int r = 1; r < BatchSchedule.AUTO_MIN_ROUNDS; r++) {
            assertFalse(t.afterRound(round(2, 2.0), true, 0.6), "round " + r + ": too soon");
        }
        assertEquals(16, t.noiseScale(), 1e-6);
        // The 20th round is short (an epoch's last): it counts, but its changes (here: no spread) feed nothing.
        assertTrue(t.afterRound(round(2, 2.0), false, 1.0));
        assertEquals(16, t.noiseScale(), 1e-6);
        assertEquals(16, t.windowsPerStep());
        assertEquals(8, t.perWorker());
        assertEquals(1, t.learningRateScale(), "16 windows per step: at most 32, the rate given");
        assertEquals(0, t.state().roundsAtBatch());
        // The noise scale (16) is now only once the batch: no more growth.
        for (int r = 0; r < 2 * BatchSchedule.AUTO_MIN_ROUNDS; r++) {
            assertFalse(t.afterRound(round(2, 2.0), true, 0.6));
        }
    }

    @Test
    void autoStopsWhereAWorkerWouldPassItsLargestShare() {
        int cap = BatchSchedule.AUTO_MAX_PER_WORKER;
        BatchSchedule s = BatchSchedule.of(config(0, "auto:" + cap), 2, null);
        assertEquals(cap / 2, s.perWorker());
        for (int r = 0; r < 10 * BatchSchedule.AUTO_MIN_ROUNDS; r++) {
            s.afterRound(round(2, 2.0), true, 0.51); // a large noise scale: always worth growing
        }
        assertEquals(cap, s.perWorker(), "grown once, to the cap, and no further");
    }

    @Test
    void aResumedScheduleGoesOnFromItsStateAndAnUndoneRoundLeavesNoTrace() {
        BatchSchedule s = BatchSchedule.of(config(0, "auto:8"), 2, null);
        for (int r = 0; r < BatchSchedule.AUTO_MIN_ROUNDS; r++) {
            s.afterRound(round(2, 2.0), true, 0.6);
        }
        BatchSchedule.State saved = s.state();
        BatchSchedule resumed = BatchSchedule.of(config(0, "auto:8"), 2, saved);
        assertEquals(s.windowsPerStep(), resumed.windowsPerStep());
        assertEquals(s.learningRateScale(), resumed.learningRateScale());
        assertEquals(saved, resumed.state());
        BatchSchedule.State before = resumed.state();
        resumed.afterRound(round(2, 2.0), true, 0.9);
        resumed.restore(before);
        assertEquals(saved, resumed.state());
        // A fixed global batch given on resume is the batch in force (the run's identity checks the flag).
        assertEquals(4, BatchSchedule.of(config(0, "8"), 2, new BatchSchedule.State(16, NoiseScale.NONE, 3))
                .perWorker());
    }
}
