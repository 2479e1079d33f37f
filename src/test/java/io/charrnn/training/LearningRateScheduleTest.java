package io.charrnn.training;

import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The learning rate at given points of a budget, for both schedules, and which cycle a job is in. */
class LearningRateScheduleTest {
    private static TrainConfig config(String schedule, int epochs, double maxMinutes) {
        return config(schedule, epochs, maxMinutes, 0);
    }

    private static TrainConfig config(String schedule, int epochs, double maxMinutes, int patience) {
        ModelConfig model = new ModelConfig(2, 128, 50, 0, 0.002, 5, 1, null);
        return new TrainConfig("c", "o", model, 1000, 32, 5, 0.05, epochs, maxMinutes, 5, 0, 500_000, 0, 0.5, 3, 0,
                null, null, null, 0, schedule, null, patience);
    }

    @Test
    void stepDecaysLikeCharRnnWhateverTheBudget() {
        LearningRateSchedule step = LearningRateSchedule.of(config("step", 50, 10), 0, null);
        assertEquals(0.002, step.rateAt(0, 0), 1e-15);
        assertEquals(0.002, step.rateAt(2.99, 599), 1e-15);
        // char-rnn decays at the end of epoch 'after' and every epoch after it.
        assertEquals(0.001, step.rateAt(3, 0), 1e-15);
        assertEquals(0.0005, step.rateAt(4.5, 0), 1e-15);
    }

    @Test
    void cosineWarmsUpThenDecaysToATenthAtTheEndOfTheEpochs() {
        LearningRateSchedule cosine = LearningRateSchedule.of(config("cosine", 50, 0), 0, null);
        assertEquals(0.0002, cosine.rateAt(0, 0), 1e-15);
        assertEquals(0.0011, cosine.rateAt(0.5, 0), 1e-15, "half way through the warm-up (2% of 50 epochs)");
        assertEquals(0.002, cosine.rateAt(1, 0), 1e-15);
        assertEquals(0.0011, cosine.rateAt(25.5, 0), 1e-15, "half way through the decay");
        assertEquals(0.0002, cosine.rateAt(50, 0), 1e-15);
        assertEquals(0.0002, cosine.rateAt(60, 0), 1e-15, "past the end: the floor");
        assertEquals(0.002, cosine.rateAt(1, 1e9), 1e-15, "no time budget: wall time does not count");
    }

    @Test
    void wsdWarmsUpHoldsThenDecaysToATenthOverTheLastFifthOfTheBudget() {
        LearningRateSchedule wsd = LearningRateSchedule.of(config("wsd", 50, 0), 0, null);
        assertEquals(0.0002, wsd.rateAt(0, 0), 1e-15);
        assertEquals(0.0011, wsd.rateAt(0.5, 0), 1e-15, "half way through the warm-up (2% of 50 epochs)");
        assertEquals(0.002, wsd.rateAt(1, 0), 1e-15);
        assertEquals(0.002, wsd.rateAt(25, 0), 1e-15, "held");
        assertEquals(0.002, wsd.rateAt(40, 0), 1e-15, "the decay starts at 80%");
        assertEquals(0.0011, wsd.rateAt(45, 0), 1e-15, "half way through the decay");
        assertEquals(0.0002, wsd.rateAt(50, 0), 1e-15);
        assertEquals(0.0002, wsd.rateAt(60, 0), 1e-15, "past the end: the floor");
        LearningRateSchedule tenMinutes = LearningRateSchedule.of(config("wsd", 1000, 10), 0, null);
        assertEquals(0.002, tenMinutes.rateAt(0.1, 479), 1e-15, "held until 8 minutes of 10");
        assertEquals(0.0011, tenMinutes.rateAt(0.1, 540), 1e-15);
        assertEquals(0.0002, tenMinutes.rateAt(0.1, 600), 1e-15);
        assertEquals(java.util.List.of("--lr-schedule cosine (not wsd)"),
                config("wsd", 50, 0).differencesFrom(config("cosine", 50, 0)));
    }

    @Test
    void aTimeBudgetEndsTheCycleWhenItEndsBeforeTheEpochs() {
        LearningRateSchedule tenMinutes = LearningRateSchedule.of(config("cosine", 1000, 10), 0, null);
        assertEquals(0.002, tenMinutes.rateAt(0.1, 12), 1e-15, "2% of the 10 minutes: warmed up");
        assertEquals(0.0011, tenMinutes.rateAt(0.1, 306), 1e-15, "half the decay's 9.8 minutes in");
        assertEquals(0.0002, tenMinutes.rateAt(0.1, 600), 1e-15);
        // Epochs that end first end the cycle first.
        LearningRateSchedule fewEpochs = LearningRateSchedule.of(config("cosine", 2, 600), 0, null);
        assertEquals(0.0002, fewEpochs.rateAt(2, 60), 1e-15);
    }

    @Test
    void aResumeKeepsItsCycleUnlessTheEpochsOrATimeBudgetMakeANewOne() {
        LearningRateSchedule.Cycle recorded = new LearningRateSchedule.Cycle(0, 50);
        assertSame(recorded, LearningRateSchedule.of(config("cosine", 50, 0), 20.5, recorded).cycle(),
                "a run resumed after a crash learns on the rates of the uninterrupted run");
        assertEquals(new LearningRateSchedule.Cycle(20.5, 80),
                LearningRateSchedule.of(config("cosine", 80, 0), 20.5, recorded).cycle(), "raised --epochs");
        assertEquals(new LearningRateSchedule.Cycle(20.5, 50),
                LearningRateSchedule.of(config("cosine", 50, 240), 20.5, recorded).cycle(), "tonight's time budget");
        LearningRateSchedule tonight = LearningRateSchedule.of(config("cosine", 50, 240), 20.5, recorded);
        assertEquals(0.0002, tonight.rateAt(20.5, 0), 1e-15, "a new cycle warms up again");
    }

    @Test
    void anUnsetScheduleIsTheRunsOwnWhenItContinuesAndTheDefaultForANewRun() {
        assertEquals(LearningRateSchedule.DEFAULT, config(null, 50, 0).withScheduleOf(null).lrSchedule());
        assertEquals("cosine", config(null, 50, 0).withScheduleOf(config("cosine", 50, 0)).lrSchedule());
        assertEquals("step", config(null, 50, 0).withScheduleOf(config("step", 50, 0)).lrSchedule());
        assertEquals("step", config(null, 50, 0).withScheduleOf(config(null, 50, 0)).lrSchedule(),
                "a run from before schedules were chosen continues on char-rnn's");
        assertEquals("cosine", config("cosine", 50, 0).withScheduleOf(config("step", 50, 0)).lrSchedule());
        assertEquals(java.util.List.of("--lr-schedule step (not cosine)"),
                config("cosine", 50, 0).differencesFrom(config("step", 50, 0)));
        assertEquals(java.util.List.of(), config(null, 50, 0).differencesFrom(config("step", 50, 0)));
    }

    @Test
    void patienceCountsValidationsWithoutANewBestThenDecaysOverAQuarterOfTheCycleAndStops() {
        LearningRateSchedule wsd = LearningRateSchedule.of(config("wsd", 50, 0, 3), 2, null);
        assertFalse(wsd.afterValidation(2.0, 3, 0), "the cycle's first validation is its best");
        assertFalse(wsd.afterValidation(2.1, 4, 0));
        assertFalse(wsd.afterValidation(2.05, 5, 0));
        assertFalse(wsd.afterValidation(1.9, 6, 0), "a new best starts the count again");
        assertEquals(0, wsd.cycle().stalled());
        assertFalse(wsd.afterValidation(1.95, 7, 0));
        assertFalse(wsd.afterValidation(2.0, 8, 0));
        assertEquals(2, wsd.cycle().stalled());
        assertFalse(wsd.cycle().endsEarly());
        assertEquals(0.002, wsd.rateAt(9.5, 0), 1e-15, "held until the third validation in a row");
        assertTrue(wsd.afterValidation(1.91, 10, 0));
        // Ended at epoch 10 of a cycle from epoch 2: a decay over another quarter of its 8 epochs, to epoch 12.
        assertEquals(new LearningRateSchedule.Cycle(2, 50, 1.9, 3, 10, 0.002, 12), wsd.cycle());
        assertEquals(0.002, wsd.rateAt(10, 0), 1e-15);
        assertEquals(0.0011, wsd.rateAt(11, 0), 1e-15, "half way down");
        assertEquals(0.0002, wsd.rateAt(12, 0), 1e-15);
        assertFalse(wsd.stoppedEarlyBy(11.99));
        assertTrue(wsd.stoppedEarlyBy(12));
        assertFalse(wsd.afterValidation(1.5, 11, 0), "counted no more once ended");
        assertEquals(12, wsd.cycle().stopAt());

        // A tie is no worse than the best: the count starts again, as the run's best checkpoint would move to it.
        LearningRateSchedule tie = LearningRateSchedule.of(config("wsd", 50, 0, 2), 0, null);
        tie.afterValidation(2.0, 1, 0);
        tie.afterValidation(2.1, 2, 0);
        assertFalse(tie.afterValidation(2.0, 3, 0));
        assertEquals(0, tie.cycle().stalled());

        // The cycle, its count and its early end are what a checkpoint records: a resume goes on with them.
        LearningRateSchedule resumed = LearningRateSchedule.of(config("wsd", 50, 0, 3), 11, wsd.cycle());
        assertEquals(0.0011, resumed.rateAt(11, 0), 1e-15);
        assertTrue(resumed.stoppedEarlyBy(12));
        LearningRateSchedule tonight = LearningRateSchedule.of(config("wsd", 50, 60, 3), 12, wsd.cycle());
        assertFalse(tonight.stoppedEarlyBy(12), "a job with a time budget is a cycle of its own");
        assertEquals(new LearningRateSchedule.Cycle(12, 50), tonight.cycle(), "which counts afresh");
    }

    @Test
    void anEarlyEndDecaysFromTheRateItFindsAndATimeBudgetThatEndsSoonerKeepsItsOwnDecay() {
        LearningRateSchedule cosine = LearningRateSchedule.of(config("cosine", 50, 0, 1), 0, null);
        assertFalse(cosine.afterValidation(2.0, 19, 0));
        double atStall = cosine.rateAt(20, 0);
        assertTrue(cosine.afterValidation(2.1, 20, 0), "patience 1: the first validation without a new best");
        assertEquals(atStall, cosine.rateAt(20, 0), 1e-15);
        assertEquals(0.0002 + (atStall - 0.0002) / 2, cosine.rateAt(22.5, 0), 1e-15);
        assertEquals(0.0002, cosine.rateAt(25, 0), 1e-15);

        LearningRateSchedule tenMinutes = LearningRateSchedule.of(config("wsd", 1000, 10, 1), 0, null);
        assertFalse(tenMinutes.afterValidation(2.0, 0.3, 500));
        assertTrue(tenMinutes.afterValidation(2.1, 0.4, 540), "at 9 minutes, half way down wsd's own decay");
        assertEquals(0.0011, tenMinutes.cycle().decayRate(), 1e-15);
        assertEquals(0.0002, tenMinutes.rateAt(0.41, 600), 1e-15, "the budget's end comes first");
        assertEquals(0.5, tenMinutes.cycle().stopAt(), 1e-12);

        LearningRateSchedule step = LearningRateSchedule.of(config("step", 50, 0, 2), 0, null);
        assertFalse(step.afterValidation(2.0, 0.5, 0));
        assertFalse(step.afterValidation(2.1, 1, 0));
        assertTrue(step.afterValidation(2.1, 2, 0));
        assertTrue(step.stoppedEarlyBy(2), "char-rnn's schedule has no decay to end on: it stops at once");
        assertEquals("stopping", step.describeEarlyEnd());

        LearningRateSchedule never = LearningRateSchedule.of(config("wsd", 50, 0, 0), 0, null);
        for (int i = 1; i <= 20; i++) {
            assertFalse(never.afterValidation(2 + i, i, 0));
        }
        assertFalse(never.stoppedEarlyBy(50), "--patience 0: never early");
    }

    @Test
    void aCycleFromBeforePatienceReadsAsNotStalled() throws Exception {
        LearningRateSchedule.Cycle old = io.charrnn.common.Json.read("{\"fromEpoch\":1.5,\"toEpoch\":50}",
                LearningRateSchedule.Cycle.class);
        assertEquals(new LearningRateSchedule.Cycle(1.5, 50), old);
        assertFalse(old.endsEarly());
        LearningRateSchedule.Cycle ended = new LearningRateSchedule.Cycle(2, 50, 1.9, 3, 10, 0.002, 12);
        assertEquals(ended, io.charrnn.common.Json.read(io.charrnn.common.Json.write(ended),
                LearningRateSchedule.Cycle.class));
    }
}
