package io.charrnn.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RetentionTest {
    @Test
    void keepsTheNewestAndNeverWhatThePointersName(@TempDir Path dir) {
        RunDirectory run = new RunDirectory(dir.toUri().toString(), new Configuration());
        double[][] epochAndLoss = {{0.5, 2.5}, {1.0, 1.9}, {1.5, 2.2}, {2.0, 2.1}, {10.0, 2.05}, {2.5, 2.0}};
        for (double[] e : epochAndLoss) {
            run.writeAtomically(CheckpointName.of(e[0], e[1]), new byte[]{1});
        }
        run.writeText(RunDirectory.BEST, CheckpointName.of(1.0, 1.9) + "\n");
        run.writeText(RunDirectory.LATEST, CheckpointName.of(10.0, 2.05) + "\n");
        // Epoch 10.00 sorts before 2.50 as text; retention must order by epoch.
        assertEquals(CheckpointName.of(10.0, 2.05), run.checkpointsNewestFirst().get(0));

        List<String> deleted = run.retain(2);
        assertEquals(List.of(CheckpointName.of(1.0, 1.9), CheckpointName.of(10.0, 2.05),
                CheckpointName.of(2.5, 2.0)).stream().sorted().toList(), run.checkpointNames());
        assertEquals(3, deleted.size());
        assertEquals(List.of(CheckpointName.of(2.5, 2.0)), run.retain(1));
        assertTrue(run.retain(0).isEmpty(), "the best and the latest are never deleted");
        assertEquals(List.of(CheckpointName.of(1.0, 1.9), CheckpointName.of(10.0, 2.05)), run.checkpointNames());
    }

    @Test
    void checkpointsOfAnEpochOfManyRoundsHaveNamesAndAnOrderOfTheirOwn(@TempDir Path dir) {
        RunDirectory run = new RunDirectory(dir.toUri().toString(), new Configuration());
        // Rounds 501, 502 and 503 of 1,000 an epoch: with two decimals all three were ckpt_epoch5.50_..., one file.
        for (int round = 501; round <= 503; round++) {
            run.writeAtomically(CheckpointName.of(5 + round / 1000.0, 1.5, 1000), new byte[]{1});
        }
        assertEquals(List.of(CheckpointName.of(5.503, 1.5, 1000), CheckpointName.of(5.502, 1.5, 1000),
                CheckpointName.of(5.501, 1.5, 1000)), run.checkpointsNewestFirst());
        assertEquals("ckpt_epoch5.503_val1.5000.zip", CheckpointName.of(5.503, 1.5, 1000));
        assertEquals("ckpt_epoch5.5031_val1.5000.zip", CheckpointName.of(5.50305, 1.5, 1001));
        assertEquals("ckpt_epoch2.50_val1.8342.zip", CheckpointName.of(2.5, 1.8342, 40));
    }
}
