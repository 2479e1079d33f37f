package io.charrnn.training;

import io.charrnn.common.UserError;

import java.io.Serializable;
import java.util.Locale;

/**
 * How many windows stand behind each optimizer step, across all workers, and so each worker's minibatch. Learning
 * per character is set by the windows behind a step, not by the number of workers (BENCHMARKS.md, "Learning per
 * character against workers"), so users say the global batch and each worker takes its share:
 * {@code ceil(global / workers)}.
 *
 * <p>Three kinds, as {@code --global-batch} and {@code --batch-size} say:
 * <ul>
 *   <li>a fixed global batch: every step sees about that many windows however many workers share it. Unless
 *       given, {@link #defaultGlobal}: {@link #DEFAULT_GLOBAL}, but at least {@link #DEFAULT_PER_WORKER} a worker;</li>
 *   <li>{@code auto}: starts there (or at N for {@code auto:N}) and doubles while the measured gradient noise scale
 *       ({@link NoiseScale}) says that twice the batch still pays (McCandlish et al. 2018: the batch that pays
 *       grows as the loss falls);</li>
 *   <li>a fixed per-worker batch ({@code --batch-size}, and every run from before the global batch): the windows
 *       behind a step grow with the workers, at the learning rate given.</li>
 * </ul>
 * With a global batch, {@code --learning-rate} is the rate for {@link #DEFAULT_GLOBAL} windows per step or fewer;
 * more windows per step multiply it by the square root of their ratio (Malladi et al. 2022: Adam's rate follows the
 * batch's square root), as the batch is when it grows.
 *
 * <p>The schedule's state ({@link State}) is in every checkpoint, so a resumed run goes on with the batch, the
 * learning-rate scale and the noise estimate it had, exactly.
 */
public final class BatchSchedule {
    /**
     * The global batch when none is given, and the one the learning rate is given for: see README "How the batch is
     * chosen" for the measurements.
     */
    public static final int DEFAULT_GLOBAL = 32;
    /** Below this a worker's core loses speed (0.52x at 4 windows, 0.70x at 8 against 32): the default keeps it. */
    public static final int DEFAULT_PER_WORKER = 8;
    /** The value of {@code --global-batch} that asks for the schedule. */
    public static final String AUTO = "auto";
    /** A worker's minibatch never grows past this under {@code auto}: above it a core gains no speed. */
    public static final int AUTO_MAX_PER_WORKER = 64;
    /** Rounds between two changes of the batch, so that the noise estimate has seen the batch in force. */
    public static final int AUTO_MIN_ROUNDS = 20;
    /** The batch doubles once the noise scale reaches this multiple of it, so that it stays below the noise scale. */
    public static final double AUTO_GROW_AT = 2.0;

    /**
     * What a checkpoint keeps of the schedule.
     *
     * @param globalBatch       the global batch in force (the windows a step asks for, before the workers' rounding)
     * @param noise             the noise-scale estimate so far
     * @param roundsAtBatch     rounds trained since the batch last changed
     */
    public record State(int globalBatch, NoiseScale noise, long roundsAtBatch) implements Serializable {
    }

    private final int workers;
    private final boolean auto;
    private final Integer perWorkerFixed;
    private State state;

    private BatchSchedule(int workers, boolean auto, Integer perWorkerFixed, State state) {
        this.workers = workers;
        this.auto = auto;
        this.perWorkerFixed = perWorkerFixed;
        this.state = state;
    }

    /**
     * The schedule a run trains with: from its configuration and number of workers, continuing from {@code saved}
     * (a resumed run's checkpoint; null for a new run, or one from before the schedule existed).
     */
    public static BatchSchedule of(TrainConfig config, int workers, State saved) {
        String global = config.globalBatch();
        if (global == null) {
            return new BatchSchedule(workers, false, config.batchSize(),
                    saved != null ? saved : new State(config.batchSize() * workers, NoiseScale.NONE, 0));
        }
        boolean auto = global.startsWith(AUTO);
        int start = global.equals(AUTO) ? defaultGlobal(workers) : parse(global);
        State state = saved != null ? saved : new State(start, NoiseScale.NONE, 0);
        if (!auto && state.globalBatch() != start) {
            state = new State(start, state.noise(), 0);
        }
        return new BatchSchedule(workers, auto, null, state);
    }

    /** The global batch of a run that gives none: {@link #DEFAULT_GLOBAL}, at least {@link #DEFAULT_PER_WORKER} each. */
    public static int defaultGlobal(int workers) {
        return Math.max(DEFAULT_GLOBAL, DEFAULT_PER_WORKER * workers);
    }

    /**
     * Checks a {@code --global-batch} value: a positive number of windows, {@link #AUTO}, or {@code auto:N} (the
     * schedule from N windows per step).
     */
    public static String checked(String value) {
        if (value != null) {
            parse(value);
        }
        return value;
    }

    /** The global batch a value asks for ({@link #DEFAULT_GLOBAL} for auto, whose start depends on the workers). */
    private static int parse(String value) {
        if (value.equals(AUTO)) {
            return DEFAULT_GLOBAL;
        }
        int g;
        try {
            g = Integer.parseInt(value.startsWith(AUTO + ":") ? value.substring(AUTO.length() + 1) : value);
        } catch (NumberFormatException e) {
            throw new UserError("--global-batch must be a number of windows, auto or auto:N, got " + value);
        }
        if (g < 1 || g > 1_000_000) {
            throw new UserError("--global-batch must be between 1 and 1000000 windows, got " + value);
        }
        return g;
    }

    /** Windows in each worker's minibatch now. */
    public int perWorker() {
        if (perWorkerFixed != null) {
            return perWorkerFixed;
        }
        return Math.max(1, (state.globalBatch() + workers - 1) / workers);
    }

    /** Windows behind each optimizer step now, across the workers. */
    public int windowsPerStep() {
        return perWorker() * workers;
    }

    /**
     * The factor on {@code --learning-rate} for the batch in force: the square root of the windows per step over
     * {@link #DEFAULT_GLOBAL}, never below 1; 1 for a per-worker batch.
     */
    public double learningRateScale() {
        return perWorkerFixed != null ? 1 : Math.sqrt(Math.max(1.0, (double) windowsPerStep() / DEFAULT_GLOBAL));
    }

    public boolean auto() {
        return auto;
    }

    public State state() {
        return state;
    }

    /** The smoothed noise scale in windows per step; NaN before there is one. */
    public double noiseScale() {
        return state.noise().windows();
    }

    /**
     * Takes a finished round into account: {@code sumOfSquares} is the sum over the workers of the squared length
     * of each one's change of the parameters, {@code meanSquare} the squared length of their mean change. Only a
     * full round feeds the estimate (a short last round of an epoch has workers of unequal shares). Returns true
     * when the batch changes for the next round.
     */
    public boolean afterRound(WorkerResult round, boolean full, double meanSquare) {
        NoiseScale noise = full ? state.noise().after(round.workers(), perWorker(), round.sumOfSquaredChanges(),
                meanSquare) : state.noise();
        state = new State(state.globalBatch(), noise, state.roundsAtBatch() + 1);
        if (!auto || state.roundsAtBatch() < AUTO_MIN_ROUNDS) {
            return false;
        }
        double b = noise.windows();
        int next = state.globalBatch() * 2;
        if (Double.isFinite(b) && b >= AUTO_GROW_AT * state.globalBatch()
                && (next + workers - 1) / workers <= AUTO_MAX_PER_WORKER) {
            state = new State(next, noise, 0);
            return true;
        }
        return false;
    }

    /** Puts back the state saved before a round that is undone (a diverged or cancelled one). */
    public void restore(State saved) {
        state = saved;
    }

    /** For the log: the batch in force and how it was chosen. */
    public String describe() {
        String kind = perWorkerFixed != null ? "--batch-size " + perWorkerFixed + " per worker"
                : auto ? "--global-batch auto, now " + state.globalBatch() : "--global-batch " + state.globalBatch();
        return String.format(Locale.ROOT, "%d windows per step (%d workers x %d; %s)", windowsPerStep(), workers,
                perWorker(), kind);
    }
}
