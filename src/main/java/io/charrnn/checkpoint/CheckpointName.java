package io.charrnn.checkpoint;

import java.util.Locale;

/**
 * char-rnn's checkpoint file name, written and read only here: epochs done and validation loss, e.g.
 * {@code ckpt_epoch2.50_val1.8342.zip}. Retention orders by the epoch in it and {@code best} picks by the loss.
 */
public final class CheckpointName {
    private static final String PREFIX = "ckpt_";
    private static final String SUFFIX = ".zip";

    private CheckpointName() {
    }

    public static String of(double epochFraction, double valLoss) {
        return String.format(Locale.ROOT, PREFIX + "epoch%.2f_val%.4f" + SUFFIX, epochFraction, valLoss);
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
