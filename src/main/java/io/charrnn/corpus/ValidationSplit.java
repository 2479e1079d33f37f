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
     * Every how many-th validation window to score so that at most {@code maxChars} characters are scored yet the
     * whole split is covered.
     */
    public static long subsetStride(long validationWindows, long maxChars, int window) {
        long cap = Math.max(1, maxChars / window);
        return Math.max(1, (validationWindows + cap - 1) / cap);
    }

    public double fraction() {
        return fraction;
    }

    public boolean isValidation(String fileName, long byteOffset) {
        return isValidationBlock(fileName, byteOffset / BLOCK_BYTES);
    }

    public boolean isValidationBlock(String fileName, long blockIndex) {
        double x = unitHash(fileName) + blockIndex * GOLDEN;
        return x - Math.floor(x) < fraction;
    }

    /** FNV-1a over the UTF-8 bytes, mapped to [0, 1): stable across JVMs and releases, unlike identity hashes. */
    static double unitHash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return (h >>> 11) * 0x1.0p-53;
    }
}
