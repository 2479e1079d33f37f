package io.charrnn.training;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one worker, or a group of consecutive workers, brings back from a round: the sum of their parameters and
 * optimizer states, their training loss summed over every predicted character, and counts. Sums are formed in
 * worker order only ({@link #sumInOrder}), so a round's result is the same float for float on every run, whatever
 * order Spark's tasks finish in.
 */
public final class WorkerResult implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final int workers;
    private final float[] params;
    private final float[] updater;
    private final int maxSteps;
    private final double lossNats;
    private final long lossChars;
    private final long windows;
    private final double maxSeconds;
    /** Workers whose LSTM ran the scalar kernel (~1.6x slower): executors without the JDK's vector module. */
    private final int scalarKernelWorkers;
    /**
     * The sum over the workers of the squared length of each one's change of the parameters in the round (NaN where
     * a worker did not say): with the mean change it gives the gradient noise scale ({@link NoiseScale}).
     */
    private final double squaredChanges;

    private WorkerResult(int index, int workers, float[] params, float[] updater, int maxSteps, double lossNats,
                         long lossChars, long windows, double maxSeconds, int scalarKernelWorkers,
                         double squaredChanges) {
        this.index = index;
        this.workers = workers;
        this.params = params;
        this.updater = updater;
        this.maxSteps = maxSteps;
        this.lossNats = lossNats;
        this.lossChars = lossChars;
        this.windows = windows;
        this.maxSeconds = maxSeconds;
        this.scalarKernelWorkers = scalarKernelWorkers;
        this.squaredChanges = squaredChanges;
    }

    /**
     * One worker's end state after {@code seconds} of training; a worker that got no windows contributes nothing
     * to the mean.
     */
    public static WorkerResult of(int index, ModelState end, int steps, double lossNats, long lossChars,
                                  long windows, double seconds) {
        if (windows == 0) {
            return new WorkerResult(index, 0, null, null, 0, 0, 0, 0, 0, 0, 0);
        }
        return new WorkerResult(index, 1, end.params(), end.updater(), steps, lossNats, lossChars, windows,
                seconds, 0, Double.NaN);
    }

    /** This one worker's result with the squared length of its change from {@code start}, for the noise scale. */
    public WorkerResult withChangeFrom(ModelState start) {
        if (workers != 1) {
            return this;
        }
        return new WorkerResult(index, workers, params, updater, maxSteps, lossNats, lossChars, windows, maxSeconds,
                scalarKernelWorkers, NoiseScale.squaredDistance(params, start.params()));
    }

    /** This result, from a worker whose LSTM ran the scalar kernel. */
    public WorkerResult ranScalarKernel() {
        return new WorkerResult(index, workers, params, updater, maxSteps, lossNats, lossChars, windows, maxSeconds,
                workers, squaredChanges);
    }

    /**
     * Results summed as one group in a level of the tree of partial sums; a round with at most this many workers is
     * summed in one group. A float sum's last bits depend on how it is grouped, so every runner sums this one tree.
     */
    public static final int FANOUT = 8;

    /**
     * The sum of one result per worker as the tree of partial sums: consecutive groups of {@link #FANOUT} workers,
     * level by level, until at most that many remain. The Spark runner computes each level in tasks; the in-process
     * runner here, so that it learns exactly what the same number of workers on Spark learn.
     */
    public static WorkerResult sumAsTree(List<WorkerResult> results) {
        List<WorkerResult> level = results;
        while (level.size() > FANOUT) {
            List<List<WorkerResult>> groups = new ArrayList<>();
            for (WorkerResult r : level) {
                int group = r.index / FANOUT;
                while (groups.size() <= group) {
                    groups.add(new ArrayList<>());
                }
                groups.get(group).add(r);
            }
            List<WorkerResult> next = new ArrayList<>(groups.size());
            for (int g = 0; g < groups.size(); g++) {
                next.add(sumInOrder(g, groups.get(g)));
            }
            level = next;
        }
        return sumInOrder(0, level);
    }

    /** The sum of {@code parts} taken in the order of their indexes, under a new index. */
    public static WorkerResult sumInOrder(int index, Iterable<WorkerResult> parts) {
        List<WorkerResult> sorted = new ArrayList<>();
        parts.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(r -> r.index));
        float[] p = null;
        float[] u = null;
        int workers = 0;
        int maxSteps = 0;
        double nats = 0;
        long chars = 0;
        long windows = 0;
        double seconds = 0;
        int scalar = 0;
        double squares = 0;
        for (WorkerResult r : sorted) {
            if (r.workers == 0) {
                continue;
            }
            p = p == null ? r.params.clone() : addInto(p, r.params);
            u = u == null ? r.updater.clone() : addInto(u, r.updater);
            workers += r.workers;
            maxSteps = Math.max(maxSteps, r.maxSteps);
            nats += r.lossNats;
            chars += r.lossChars;
            windows += r.windows;
            seconds = Math.max(seconds, r.maxSeconds);
            scalar += r.scalarKernelWorkers;
            squares += r.squaredChanges;
        }
        return new WorkerResult(index, workers, p, u, maxSteps, nats, chars, windows, seconds, scalar, squares);
    }

    private static float[] addInto(float[] sum, float[] x) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += x[i];
        }
        return sum;
    }

    /**
     * The workers' mean state, each from {@code start}: mean parameters and optimizer state, and the step count of
     * the worker that took the most steps (all do in a full round), so Adam's bias correction stays exact.
     */
    public ModelState mean(ModelState start) {
        if (workers == 0) {
            return start;
        }
        return new ModelState(divided(params, workers), divided(updater, workers), start.iteration() + maxSteps);
    }

    private static float[] divided(float[] sum, int n) {
        if (n == 1) {
            return sum;
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sum[i] / n;
        }
        return out;
    }

    public int index() {
        return index;
    }

    public int workers() {
        return workers;
    }

    public long windows() {
        return windows;
    }

    /**
     * The longest time one worker spent training in the round; the rest of a round's wall time is its fixed cost
     * (job launch, broadcast, collecting and summing the results).
     */
    public double maxWorkerSeconds() {
        return maxSeconds;
    }

    /** See {@link #withChangeFrom}: summed over the workers, NaN if one of them did not say. */
    public double sumOfSquaredChanges() {
        return squaredChanges;
    }

    public int scalarKernelWorkers() {
        return scalarKernelWorkers;
    }

    /** Mean training loss of the round over every predicted character, nats/char (NaN if nothing was trained). */
    public double meanLoss() {
        return lossChars == 0 ? Double.NaN : lossNats / lossChars;
    }
}
