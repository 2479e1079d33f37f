package io.charrnn.training;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

/** One worker's share of a round, on the network its thread keeps from round to round. */
class RoundWorkerTest {
    private static final int VOCABULARY = 5;
    private static final int SEQ = 5;

    private static List<EncodedWindow> windows(long seed, int count, boolean badSecondSegment) {
        Random random = new Random(seed);
        List<EncodedWindow> out = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            short[] ids = new short[2 * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (short) random.nextInt(VOCABULARY);
            }
            if (badSecondSegment) {
                ids[SEQ + 2] = 99; // no such symbol: the fit fails in its second truncated-BPTT segment
            }
            out.add(new EncodedWindow(false, ids));
        }
        return out;
    }

    /**
     * A task that failed in the middle of a window (a native OOM, a bad record) is retried by Spark, often on the
     * same executor thread, whose network then still holds the recurrent state of the failed fit's first segment.
     * The retry must train exactly as a fresh thread would.
     */
    @Test
    void aShareRetriedOnTheThreadOfAFitThatFailedMidWindowTrainsAsOnAFreshThread() throws Exception {
        for (LstmImplementation lstm : LstmImplementation.values()) {
            ModelConfig model = new ModelConfig(1, 8, SEQ, 0, 1e-2, 5, 3, lstm);
            ModelState initial = ModelState.of(CharLstm.create(model, VOCABULARY));
            RoundStart start = new RoundStart(initial, model, VOCABULARY, 2, 1e-2, 0);
            List<EncodedWindow> share = windows(1, 4, false);

            try (WorkerThread reused = new WorkerThread(); WorkerThread fresh = new WorkerThread()) {
                WorkerResult retried = reused.run(() -> {
                    assertThrows(IllegalArgumentException.class,
                            () -> RoundWorker.train(0, start, windows(2, 2, true).iterator()));
                    return RoundWorker.train(0, start, share.iterator());
                });
                WorkerResult first = fresh.run(() -> RoundWorker.train(0, start, share.iterator()));
                assertArrayEquals(bits(first.mean(initial).params()), bits(retried.mean(initial).params()),
                        lstm + ": the retried share trained from the failed fit's leftover state");
                assertArrayEquals(bits(first.mean(initial).updater()), bits(retried.mean(initial).updater()), lstm
                        .toString());
            }
        }
    }

    /**
     * With dropout, a share trained twice on one thread (whose random generator the first has moved on), or on
     * another thread, draws the same masks and ends with the same bits: a resumed run, or a task Spark runs again
     * elsewhere, trains as the first did.
     */
    @Test
    void withDropoutAShareTrainsTheSameBitsOnAnyThreadAndAgain() throws Exception {
        for (LstmImplementation lstm : LstmImplementation.values()) {
            ModelConfig model = new ModelConfig(2, 8, SEQ, 0.3, 1e-2, 5, 3, lstm);
            ModelState initial = ModelState.of(CharLstm.create(model, VOCABULARY));
            RoundStart start = new RoundStart(initial, model, VOCABULARY, 2, 1e-2, 0);
            List<EncodedWindow> share = windows(4, 4, false);
            try (WorkerThread one = new WorkerThread(); WorkerThread other = new WorkerThread()) {
                WorkerResult first = one.run(() -> RoundWorker.train(1, start, share.iterator()));
                WorkerResult again = one.run(() -> RoundWorker.train(1, start, share.iterator()));
                WorkerResult elsewhere = other.run(() -> RoundWorker.train(1, start, share.iterator()));
                assertArrayEquals(bits(first.mean(initial).params()), bits(again.mean(initial).params()),
                        lstm + ": again on the same thread");
                assertArrayEquals(bits(first.mean(initial).params()), bits(elsewhere.mean(initial).params()),
                        lstm + ": on another thread");
                RoundStart withoutDropout = new RoundStart(initial, new ModelConfig(2, 8, SEQ, 0, 1e-2, 5, 3, lstm),
                        VOCABULARY, 2, 1e-2, 0);
                WorkerResult plain = other.run(() -> RoundWorker.train(1, withoutDropout, share.iterator()));
                assertFalse(java.util.Arrays.equals(bits(first.mean(initial).params()),
                        bits(plain.mean(initial).params())), lstm + ": dropout must change the result, or this"
                        + " checks nothing");
            }
        }
    }

    /** One executor thread: what a worker keeps from task to task (its network, its random generator) lives on it. */
    private static final class WorkerThread implements AutoCloseable {
        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        <T> T run(Callable<T> task) throws Exception {
            return thread.submit(task).get();
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
