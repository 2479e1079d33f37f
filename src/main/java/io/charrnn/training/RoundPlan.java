package io.charrnn.training;

import java.io.Serializable;

/**
 * How an epoch is cut into averaging rounds. A round gives each of the workers {@code batchSize x
 * averagingFrequency} windows; after it, the workers' parameters are averaged. A window's position in the epoch
 * order fixes its round and worker; positions are dealt to workers in turn, so the last, partial round stays
 * balanced too.
 */
public final class RoundPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long windows;
    private final int workers;
    private final long windowsPerRound;
    private final int rounds;

    public RoundPlan(long windows, int workers, int batchSize, int averagingFrequency) {
        if (windows < 1 || workers < 1 || batchSize < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("all sizes must be positive");
        }
        this.windows = windows;
        this.workers = workers;
        this.windowsPerRound = (long) workers * batchSize * averagingFrequency;
        long r = (windows + windowsPerRound - 1) / windowsPerRound;
        if (r * workers > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many rounds per epoch: " + r);
        }
        this.rounds = (int) r;
    }

    public int roundsPerEpoch() {
        return rounds;
    }

    public int workers() {
        return workers;
    }

    public long windows() {
        return windows;
    }

    /** Windows trained in the given round of an epoch (all rounds are full but perhaps the last). */
    public long windowsInRound(int round) {
        return Math.min(windowsPerRound, windows - round * windowsPerRound);
    }

    /** The first epoch position of a round, and the one after its last. */
    public long firstPosition(int round) {
        return round * windowsPerRound;
    }

    public long endPosition(int round) {
        return Math.min(windows, (round + 1) * windowsPerRound);
    }

    public int roundOf(long position) {
        return (int) (position / windowsPerRound);
    }

    /** The Spark partition of a window: one partition per (round, worker), rounds in order. */
    public int partitionOf(long position) {
        long offset = position % windowsPerRound;
        return roundOf(position) * workers + (int) (offset % workers);
    }

    public int partitions() {
        return rounds * workers;
    }
}
