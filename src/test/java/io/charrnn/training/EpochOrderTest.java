package io.charrnn.training;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;

class EpochOrderTest {
    @Test
    void isAPermutationForAnyCount() {
        for (long n : new long[]{1, 2, 3, 7, 64, 1000, 4097, 65_537}) {
            EpochOrder order = new EpochOrder(n, 42, 0);
            BitSet seen = new BitSet();
            for (long i = 0; i < n; i++) {
                long p = order.positionOf(i);
                assertTrue(p >= 0 && p < n);
                assertFalse(seen.get((int) p), "position taken twice, n=" + n);
                seen.set((int) p);
            }
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameOrderOthersDiffer() {
        EpochOrder a = new EpochOrder(10_000, 7, 3);
        EpochOrder b = new EpochOrder(10_000, 7, 3);
        EpochOrder nextEpoch = new EpochOrder(10_000, 7, 4);
        EpochOrder otherSeed = new EpochOrder(10_000, 8, 3);
        int sameAsNext = 0;
        int sameAsOther = 0;
        for (long i = 0; i < 10_000; i++) {
            assertEquals(a.positionOf(i), b.positionOf(i));
            sameAsNext += a.positionOf(i) == nextEpoch.positionOf(i) ? 1 : 0;
            sameAsOther += a.positionOf(i) == otherSeed.positionOf(i) ? 1 : 0;
        }
        assertTrue(sameAsNext < 20 && sameAsOther < 20, sameAsNext + " " + sameAsOther);
    }

    @Test
    void shufflesNeighboursApart() {
        EpochOrder order = new EpochOrder(100_000, 1, 0);
        long sumOfJumps = 0;
        for (long i = 0; i < 1000; i++) {
            sumOfJumps += Math.abs(order.positionOf(i + 1) - order.positionOf(i));
        }
        // A uniform random permutation moves neighbours about n/3 apart on average.
        assertTrue(sumOfJumps / 1000 > 20_000, "mean jump " + sumOfJumps / 1000);
    }
}
