package io.charrnn.training;

import io.charrnn.common.UserError;
import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RoundPlanTest {
    @Test
    void dealsEveryWindowOnceAndKeepsWorkersBalanced() {
        RoundPlan plan = new RoundPlan(1064, 2, 32, 5);
        assertEquals(4, plan.roundsPerEpoch());
        assertEquals(8, plan.partitions());
        int[] perPartition = new int[plan.partitions()];
        for (long pos = 0; pos < 1064; pos++) {
            perPartition[plan.partitionOf(pos)]++;
        }
        assertArrayEquals(new int[]{160, 160, 160, 160, 160, 160, 52, 52}, perPartition);
        long total = 0;
        for (int r = 0; r < plan.roundsPerEpoch(); r++) {
            total += plan.windowsInRound(r);
        }
        assertEquals(1064, total);
        assertEquals(104, plan.windowsInRound(3));
    }

    @Test
    void roundsFollowPositions() {
        RoundPlan plan = new RoundPlan(100, 3, 2, 2);
        assertEquals(0, plan.roundOf(11));
        assertEquals(1, plan.roundOf(12));
        assertEquals(9, plan.roundsPerEpoch());
    }

    @Test
    void trainConfigRejectsOutOfRangeOptionsWithTheFlagName() {
        ModelConfig ok = new ModelConfig(2, 128, 50, 0, 2e-3, 5, 1, null);
        UserError e = assertThrows(UserError.class, () -> new TrainConfig("c", "o", ok, 10, 32, 5, 0.05, 1, 0, 5, 0,
                500_000, 0, 1, 0, 0, null, null, null, 0, null, null, 0));
        assertTrue(e.getMessage().contains("--seq-length"), e.getMessage());
        ModelConfig badDropout = new ModelConfig(2, 128, 50, 1.5, 2e-3, 5, 1, null);
        e = assertThrows(UserError.class, () -> new TrainConfig("c", "o", badDropout, 1000, 32, 5, 0.05, 1, 0, 5, 0,
                500_000, 0, 1, 0, 0, null, null, null, 0, null, null, 0));
        assertTrue(e.getMessage().contains("--dropout"), e.getMessage());
    }
}
