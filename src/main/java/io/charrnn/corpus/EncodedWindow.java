package io.charrnn.corpus;

import java.io.Serializable;

/**
 * One training or validation example: {@code window + 1} consecutive symbol ids (the inputs are ids[0..window-1],
 * the targets ids[1..window]). Ids are unsigned 16-bit values.
 */
public final class EncodedWindow implements Serializable {
    private static final long serialVersionUID = 1L;
    private final boolean validation;
    private final short[] ids;

    public EncodedWindow(boolean validation, short[] ids) {
        this.validation = validation;
        this.ids = ids;
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
