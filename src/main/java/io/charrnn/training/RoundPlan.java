package io.charrnn.training;

import java.io.Serializable;

/**
 * How an epoch is cut into averaging rounds. A round gives each of the workers {@code batchSize x
 * averagingFrequency} windows; after it, the workers' parameters are averaged. A window's position in the epoch
 * order fixes its round and worker; positions are dealt to workers in turn, so the last, partial round stays
 * balanced too. A plan may start inside an epoch (a batch that changed there): its rounds then cut the positions
 * from {@code start} on, and round 0 is the first of them.
 */
public final class RoundPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long windows;
    private final int workers;
    private final long windowsPerRound;
    private final int rounds;
    private final long start;

    public RoundPlan(long windows, int workers, int batchSize, int averagingFrequency) {
        this(windows, workers, batchSize, averagingFrequency, 0);
    }

    public RoundPlan(long windows, int workers, int batchSize, int averagingFrequency, long start) {
        if (windows < 1 || workers < 1 || batchSize < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("all sizes must be positive");
        }
        if (start < 0 || start >= windows) {
            throw new IllegalArgumentException("a plan starts inside the epoch, not at " + start);
        }
        this.windows = windows;
        this.workers = workers;
        this.start = start;
        this.windowsPerRound = (long) workers * batchSize * averagingFrequency;
        long r = (windows - start + windowsPerRound - 1) / windowsPerRound;
        if (r * workers > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many rounds per epoch: " + r);
        }
        this.rounds = (int) r;
    }

    /** Rounds of this plan: of the whole epoch, or of its rest from {@link #start()}. */
    public int roundsPerEpoch() {
        return rounds;
    }

    /** Rounds of a whole epoch at this plan's round size (its own rounds when it starts at 0). */
    public long roundsOfAWholeEpoch() {
        return (windows + windowsPerRound - 1) / windowsPerRound;
    }

    /** The epoch position of this plan's first window. */
    public long start() {
        return start;
    }

    public int workers() {
        return workers;
    }

    public long windows() {
        return windows;
    }

    /** Windows trained in the given round of an epoch (all rounds are full but perhaps the last). */
    public long windowsInRound(int round) {
        return Math.min(windowsPerRound, windows - firstPosition(round));
    }

    /** Whether every worker gets its whole share in the round (all but perhaps the last do). */
    public boolean isFull(int round) {
        return windowsInRound(round) == windowsPerRound;
    }

    /** The first epoch position of a round, and the one after its last. */
    public long firstPosition(int round) {
        return start + round * windowsPerRound;
    }

    public long endPosition(int round) {
        return Math.min(windows, firstPosition(round) + windowsPerRound);
    }

    public int roundOf(long position) {
        return (int) ((position - start) / windowsPerRound);
    }

    /** The Spark partition of a window at or after {@link #start()}: one per (round, worker), rounds in order. */
    public int partitionOf(long position) {
        long offset = (position - start) % windowsPerRound;
        return roundOf(position) * workers + (int) (offset % workers);
    }

    public int partitions() {
        return rounds * workers;
    }
}
