package io.charrnn;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Everything a run's latest checkpoint holds that training continues from, as raw float bits: exact comparisons,
 * where ND4J's equals would allow a difference of 1e-5.
 */
public record TrainingState(int[] params, int[] updater, int[] outerVelocity, int iteration, long rounds) {
    public static TrainingState latest(Path run) {
        RunDirectory dir = new RunDirectory(run.toUri().toString(), new Configuration());
        Checkpoint c = dir.load(dir.pointer(RunDirectory.LATEST).orElseThrow(), true);
        return of(c);
    }

    public static TrainingState of(Checkpoint c) {
        return new TrainingState(bits(c.network().params()), bits(c.network().getUpdater().getStateViewArray()),
                c.outerVelocity() == null ? null : bits(c.outerVelocity()), c.network().getIterationCount(),
                c.meta().progress().totalRounds());
    }

    public static int[] bits(INDArray a) {
        return bits(a.castTo(DataType.FLOAT).dup('c').data().asFloat());
    }

    public static int[] bits(float[] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    public void assertSameAs(TrainingState other, String what) {
        assertEquals(rounds, other.rounds, what + ": rounds");
        assertEquals(iteration, other.iteration, what + ": optimizer steps");
        assertArrayEquals(params, other.params, what + ": parameters (raw float bits)");
        assertArrayEquals(updater, other.updater, what + ": optimizer state (raw float bits)");
        assertArrayEquals(outerVelocity, other.outerVelocity, what + ": outer velocity (raw float bits)");
    }
}
