package io.charrnn.corpus;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Decides which text is held out for validation, by fixed-size blocks of each input file.
 *
 * <p>A block is {@link #BLOCK_BYTES} bytes of one file (by the byte offset where a code point starts). Blocks are
 * chosen with a golden-ratio (Weyl) sequence started at a hash of the file's key (its path below the corpus
 * directory, see {@link InputFile#name()}), so the held-out blocks are spread evenly through each file and their
 * share is close to the fraction even for small corpora. The decision depends only on
 * the file's key, the offset and the fraction: the same text is validation in every run, whatever the partitioning
 * or cluster, and text appended to a file does not move earlier blocks between the splits.
 */
public final class ValidationSplit implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int BLOCK_BYTES = 16 * 1024;
    private static final double GOLDEN = 0.6180339887498949;

    private final double fraction;

    public ValidationSplit(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1): " + fraction);
        }
        this.fraction = fraction;
    }

    /**
     * The validation windows training scores when the split is larger than {@code --val-max-chars}: groups of
     * consecutive windows spread evenly over the whole split, every {@code stride}-th group. Inside a group the LSTM
     * state is carried as through the whole split (scoring carries it through slices of about this many windows
     * anyway); a group's first window follows a window left out, so it starts from a zero state.
     */
    public record Subset(long groupSize, long stride) implements java.io.Serializable {
        /** Names this way of scoring a capped split, in a checkpoint's provenance. */
        public static final String PROTOCOL = "carried, groups of consecutive windows when capped";

        /**
         * @param carriedWindows the consecutive windows scoring carries the state through (the group size, unless
         *                       the cap is smaller)
         */
        public static Subset of(long validationWindows, long maxChars, int window, int carriedWindows) {
            long cap = Math.max(1, maxChars / window);
            long groupSize = Math.min(carriedWindows, cap);
            long groups = (validationWindows + groupSize - 1) / groupSize;
            long capGroups = Math.max(1, cap / groupSize);
            return new Subset(groupSize, Math.max(1, (groups + capGroups - 1) / capGroups));
        }

        /** Whether the window at this index of the split is scored. */
        public boolean keeps(long index) {
            return (index / groupSize) % stride == 0;
        }

        /** Whether a kept window follows one left out, and so must not take on its state. */
        public boolean afterAGap(long index) {
            return stride > 1 && index % groupSize == 0;
        }
    }

    public double fraction() {
        return fraction;
    }

    public boolean isValidationBlock(String fileName, long blockIndex) {
        double x = unitHash(fileName) + blockIndex * GOLDEN;
        return x - Math.floor(x) < fraction;
    }

    /**
     * Whether a table's row is held out, by its key (its key column's value, or its text): the same row is in the
     * same split in every run, however the table grows or is partitioned, and equal rows are never on both sides.
     */
    public boolean isValidationRow(String key) {
        long h = fnv1a(key);
        // FNV's low bits mix poorly for short keys: spread them all before taking the top 53 (murmur3's finalizer).
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53 < fraction;
    }

    /** FNV-1a over the UTF-8 bytes, mapped to [0, 1): stable across JVMs and releases, unlike identity hashes. */
    static double unitHash(String s) {
        return (fnv1a(s) >>> 11) * 0x1.0p-53;
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
