package io.charrnn.training;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

class WorkerResultTest {
    private static WorkerResult worker(int index, Random r, int steps, long windows) {
        float[] p = new float[500];
        float[] u = new float[1000];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) r.nextGaussian();
        }
        return WorkerResult.of(index, new ModelState(p, u, 0), steps, 3.0 * windows, 2 * windows, windows, 1);
    }

    @Test
    void theSumDoesNotDependOnTheOrderResultsArriveIn() {
        Random r = new Random(3);
        List<WorkerResult> results = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            results.add(worker(i, r, 40, 160));
        }
        ModelState start = new ModelState(new float[500], new float[1000], 100);
        ModelState inOrder = WorkerResult.sumInOrder(0, results).mean(start);
        for (int attempt = 0; attempt < 5; attempt++) {
            List<WorkerResult> shuffled = new ArrayList<>(results);
            Collections.shuffle(shuffled, new Random(attempt));
            ModelState mean = WorkerResult.sumInOrder(0, shuffled).mean(start);
            assertArrayEquals(bits(inOrder.params()), bits(mean.params()));
            assertArrayEquals(bits(inOrder.updater()), bits(mean.updater()));
        }
        assertEquals(140, inOrder.iteration(), "start's steps plus one worker's: they ran in parallel");
    }

    @Test
    void workersWithoutWindowsDoNotCountAndLossIsPerCharacter() {
        Random r = new Random(4);
        WorkerResult a = worker(0, r, 40, 10);
        WorkerResult b = worker(1, r, 20, 5);
        WorkerResult idle = WorkerResult.of(2, new ModelState(new float[500], new float[1000], 0), 0, 0, 0, 0, 0);
        WorkerResult sum = WorkerResult.sumInOrder(0, List.of(a, b, idle));
        assertEquals(2, sum.workers());
        assertEquals(15, sum.windows());
        assertEquals(1.5, sum.meanLoss(), 1e-12);
        ModelState start = new ModelState(new float[500], new float[1000], 7);
        assertEquals(47, sum.mean(start).iteration(), "the most steps any worker took");
        ModelState one = WorkerResult.sumInOrder(0, List.of(a, idle)).mean(start);
        assertArrayEquals(bits(WorkerResult.sumInOrder(0, List.of(a)).mean(start).params()), bits(one.params()));
        assertSame(start, WorkerResult.sumInOrder(0, List.of(idle)).mean(start), "nothing trained, nothing moved");
    }
}
