package io.charrnn.checkpoint;

import java.util.Locale;

/**
 * char-rnn's checkpoint file name, written and read only here: epochs done and validation loss, e.g.
 * {@code ckpt_epoch2.50_val1.8342.zip}. Retention orders by the epoch in it and {@code best} picks by the loss. The
 * epoch has two decimals, or as many as tell the rounds of an epoch of more than 100 rounds apart: with two, the
 * checkpoints of rounds 501 and 502 of 1,000 would share a name (one overwriting the other) and an order.
 */
public final class CheckpointName {
    private static final String PREFIX = "ckpt_";
    private static final String SUFFIX = ".zip";

    private CheckpointName() {
    }

    public static String of(double epochFraction, double valLoss) {
        return of(epochFraction, valLoss, 100);
    }

    /** @param roundsPerEpoch the epoch's rounds: consecutive ones differ by more than the last decimal written */
    public static String of(double epochFraction, double valLoss, long roundsPerEpoch) {
        int decimals = 2; // k / 100 needs two; each further factor of 10 of rounds, one more
        for (long rounds = 100; rounds < roundsPerEpoch; rounds *= 10) {
            decimals++;
        }
        return String.format(Locale.ROOT, PREFIX + "epoch%." + decimals + "f_val%.4f" + SUFFIX, epochFraction,
                valLoss);
    }

    public static boolean is(String name) {
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
    }

    /** The epochs done that the name records; -1 for a name this project did not write. */
    static double epoch(String name) {
        int from = name.indexOf("_epoch");
        int to = name.indexOf("_val");
        try {
            return Double.parseDouble(name.substring(from + 6, to));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The validation loss that the name records; the largest double for a name this project did not write. */
    static double valLoss(String name) {
        int at = name.lastIndexOf("_val");
        try {
            return Double.parseDouble(name.substring(at + 4, name.length() - SUFFIX.length()));
        } catch (RuntimeException e) {
            return Double.MAX_VALUE;
        }
    }
}
