package io.charrnn.training;

import java.io.Serializable;

/**
 * A pseudo-random permutation of the training windows for one epoch, computed per window from its index alone, so
 * executors can place every window without a sort and the order is the same on every run with the same seed.
 *
 * <p>A four-round Feistel network over the smallest even power of two that covers the window count, with cycle
 * walking to stay inside [0, count).
 */
public final class EpochOrder implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int ROUNDS = 4;

    private final long count;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[ROUNDS];

    public EpochOrder(long count, long seed, long epoch) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive");
        }
        this.count = count;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(count - 1));
        this.halfBits = (bits + 1) / 2;
        this.halfMask = (1L << halfBits) - 1;
        long k = mix(seed ^ mix(epoch + 0x632be59bd9b4e019L));
        for (int i = 0; i < ROUNDS; i++) {
            k = mix(k + 0x9e3779b97f4a7c15L);
            keys[i] = k;
        }
    }

    /** The position in this epoch's order of the window with the given index. */
    public long positionOf(long index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index + " not in [0, " + count + ")");
        }
        long x = index;
        do {
            x = feistel(x);
        } while (x >= count);
        return x;
    }

    private long feistel(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long key : keys) {
            long next = left ^ (mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64's finaliser: a fast, well-mixed 64-bit bijection. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
