package io.charrnn.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The layout of an adaptive softmax (Grave et al., "Efficient softmax approximation for GPUs", 2017; PyTorch's
 * {@code AdaptiveLogSoftmaxWithLoss}): symbols ranked by frequency, the {@code cutoffs[0]} most frequent in a head
 * that also holds one entry per tail cluster, and cluster c (from 1) the ranks [cutoffs[c-1], cutoffs[c]) (the last
 * up to the vocabulary's size), predicted from the hidden state projected to {@link #projection} dimensions.
 * p(symbol) = p_head(symbol) in the head, p_head(cluster) * p_cluster(symbol) in a tail: a normalised distribution
 * over every symbol whose cost per row is the head's and, for a row whose target is rare, its cluster's. At 6,000
 * symbols and 2 x 128 that is ~1/20 of the full softmax's products. The network's first layer lays its input out
 * the same way ({@link AdaptiveInput}).
 *
 * @param cutoffs             ascending rank boundaries, the first the head's size, all below the vocabulary's size
 * @param symbolsByFrequency  symbol id of each rank, most frequent first (a permutation of the ids)
 * @param divisor             each cluster's projection is this many times narrower than the previous one's
 */
public record AdaptiveSoftmax(int[] cutoffs, int[] symbolsByFrequency, int divisor) implements Serializable {
    /** Whether a run lays its input and output out adaptively ({@code --adaptive}). */
    public enum Choice {
        /** Adaptive for vocabularies of more than {@link #AUTO_ABOVE} symbols. */
        AUTO,
        /** A row of input weights per symbol and the full softmax, as char-rnn. */
        OFF,
        ON
    }

    /**
     * Vocabularies up to this size keep char-rnn's layers under {@link Choice#AUTO}: the full softmax's products
     * then cost at most about twice a 2 x 128 LSTM's, and the model is the reference's.
     */
    public static final int AUTO_ABOVE = 1024;
    /** The head's size, and each next cluster's end at this many times the previous one's. */
    public static final int HEAD = 256;
    public static final int GROWTH = 8;
    /** Cluster c's projection is hidden / DIVISOR^c wide (PyTorch's default div_value). */
    public static final int DIVISOR = 4;

    public AdaptiveSoftmax {
        int symbols = symbolsByFrequency.length;
        if (cutoffs.length == 0 || cutoffs[0] < 1 || cutoffs[cutoffs.length - 1] >= symbols) {
            throw new IllegalArgumentException("cutoffs " + Arrays.toString(cutoffs) + " do not split " + symbols
                    + " symbols into a head and clusters");
        }
        for (int c = 1; c < cutoffs.length; c++) {
            if (cutoffs[c] <= cutoffs[c - 1]) {
                throw new IllegalArgumentException("cutoffs must ascend: " + Arrays.toString(cutoffs));
            }
        }
        boolean[] seen = new boolean[symbols];
        for (int id : symbolsByFrequency) {
            if (id < 0 || id >= symbols || seen[id]) {
                throw new IllegalArgumentException("symbolsByFrequency is not a permutation of the ids");
            }
            seen[id] = true;
        }
        if (divisor < 1) {
            throw new IllegalArgumentException("divisor must be positive");
        }
        cutoffs = cutoffs.clone();
        symbolsByFrequency = symbolsByFrequency.clone();
    }

    /**
     * The layout of a layer configuration's fields, made again only when a setter has replaced one of them: DL4J
     * asks a layer for its parameter keys several times a pass, and making (and checking) a 6,000-symbol layout
     * each time cost ~7 MB of garbage a second. Not part of a configuration's JSON or equality.
     */
    static final class Cache {
        private int[] cutoffs;
        private int[] symbolsByFrequency;
        private int divisor;
        private AdaptiveSoftmax layout;

        /** The layout of these fields; null when {@code cutoffs} is. */
        synchronized AdaptiveSoftmax of(int[] cutoffs, int[] symbolsByFrequency, int divisor) {
            if (cutoffs == null) {
                return null;
            }
            if (layout == null || cutoffs != this.cutoffs || symbolsByFrequency != this.symbolsByFrequency
                    || divisor != this.divisor) {
                layout = new AdaptiveSoftmax(cutoffs, symbolsByFrequency, divisor);
                this.cutoffs = cutoffs;
                this.symbolsByFrequency = symbolsByFrequency;
                this.divisor = divisor;
            }
            return layout;
        }
    }

    /**
     * The layout {@code choice} gives a vocabulary with these per-id counts, or null for the full softmax. Ranks
     * break ties by id, so that the same counts always give the same layout.
     */
    public static AdaptiveSoftmax plan(Choice choice, long[] counts) {
        int symbols = counts.length;
        if (choice == Choice.OFF || (choice == Choice.AUTO && symbols <= AUTO_ABOVE) || symbols <= HEAD) {
            return null;
        }
        int[] byFrequency = IntStream.range(0, symbols).boxed()
                .sorted(Comparator.<Integer>comparingLong(id -> -counts[id]).thenComparingInt(id -> id))
                .mapToInt(Integer::intValue).toArray();
        int clusters = 0;
        for (long end = HEAD; end < symbols; end *= GROWTH) {
            clusters++;
        }
        int[] cutoffs = new int[clusters];
        long end = HEAD;
        for (int c = 0; c < clusters; c++, end *= GROWTH) {
            cutoffs[c] = (int) end;
        }
        return new AdaptiveSoftmax(cutoffs, byFrequency, DIVISOR);
    }

    public int symbols() {
        return symbolsByFrequency.length;
    }

    public int clusters() {
        return cutoffs.length;
    }

    /** Outputs of the head: its symbols and one per cluster. */
    public int headWidth() {
        return cutoffs[0] + cutoffs.length;
    }

    /** First rank of cluster c (1..clusters). */
    public int clusterStart(int c) {
        return cutoffs[c - 1];
    }

    /** Symbols of cluster c (1..clusters). */
    public int clusterSize(int c) {
        return (c == cutoffs.length ? symbols() : cutoffs[c]) - cutoffs[c - 1];
    }

    /** Width of cluster c's projection of a hidden state of {@code hidden} units: at least 1. */
    public int projection(int c, int hidden) {
        long width = hidden;
        for (int i = 0; i < c && width > 1; i++) {
            width /= divisor;
        }
        return (int) Math.max(1, width);
    }

    /** Rank of each symbol id (the inverse of {@link #symbolsByFrequency}). */
    public int[] ranks() {
        int[] ranks = new int[symbols()];
        for (int r = 0; r < ranks.length; r++) {
            ranks[symbolsByFrequency[r]] = r;
        }
        return ranks;
    }

    /** The cluster (0 for the head) of a rank. */
    public int clusterOf(int rank) {
        int c = 0;
        while (c < cutoffs.length && rank >= cutoffs[c]) {
            c++;
        }
        return c;
    }

    /** Parameters for a hidden state of {@code hidden} units. */
    public long numParams(int hidden) {
        long n = (long) (hidden + 1) * headWidth();
        for (int c = 1; c <= clusters(); c++) {
            int d = projection(c, hidden);
            n += (long) hidden * d + (long) (d + 1) * clusterSize(c);
        }
        return n;
    }

    /** For logs and inspect: the head and each cluster with its projection. */
    public String describe(int hidden) {
        StringBuilder s = new StringBuilder("adaptive input and softmax: head of " + cutoffs[0] + " symbols");
        for (int c = 1; c <= clusters(); c++) {
            s.append(c == 1 ? ", clusters of " : ", ").append(clusterSize(c)).append(" (")
                    .append(projection(c, hidden)).append(" dims)");
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdaptiveSoftmax a && Arrays.equals(cutoffs, a.cutoffs)
                && Arrays.equals(symbolsByFrequency, a.symbolsByFrequency) && divisor == a.divisor;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(cutoffs) + Arrays.hashCode(symbolsByFrequency)) + divisor;
    }

    @Override
    public String toString() {
        return "AdaptiveSoftmax" + Arrays.toString(cutoffs) + "/" + divisor;
    }

    @Override
    public int[] cutoffs() {
        return cutoffs.clone();
    }

    @Override
    public int[] symbolsByFrequency() {
        return symbolsByFrequency.clone();
    }
}
