package io.charrnn.corpus;

import java.io.Serializable;

/**
 * One training or validation example: {@code window + 1} consecutive symbol ids (the inputs are ids[0..window-1],
 * the targets ids[1..window]). Ids are unsigned 16-bit values. A window that {@code follows} starts where the window
 * before it in its stream ended (its first input is that one's last target), so an evaluation may carry the LSTM's
 * state from one into the other.
 */
public final class EncodedWindow implements Serializable {
    private static final long serialVersionUID = 1L;
    private final boolean validation;
    private final boolean follows;
    private final short[] ids;

    public EncodedWindow(boolean validation, short[] ids) {
        this(validation, false, ids);
    }

    public EncodedWindow(boolean validation, boolean follows, short[] ids) {
        this.validation = validation;
        this.follows = follows;
        this.ids = ids;
    }

    public boolean follows() {
        return follows;
    }

    /** The same text, marked as following nothing (e.g. once the windows between have been left out). */
    public EncodedWindow standingAlone() {
        return follows ? new EncodedWindow(validation, false, ids) : this;
    }

    public boolean isValidation() {
        return validation;
    }

    /** Number of predicted characters in this window. */
    public int length() {
        return ids.length - 1;
    }

    public int id(int position) {
        return ids[position] & 0xffff;
    }
}
