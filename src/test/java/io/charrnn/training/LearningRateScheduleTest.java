package io.charrnn.training;

import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The learning rate at given points of a budget, for both schedules, and which cycle a job is in. */
class LearningRateScheduleTest {
    private static TrainConfig config(String schedule, int epochs, double maxMinutes) {
        ModelConfig model = new ModelConfig(2, 128, 50, 0, 0.002, 5, 1, null);
        return new TrainConfig("c", "o", model, 1000, 32, 5, 0.05, epochs, maxMinutes, 5, 0, 500_000, 0, 0.5, 3, 0,
                null, null, null, 0, schedule, null);
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
}
