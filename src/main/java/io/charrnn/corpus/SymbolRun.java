package io.charrnn.corpus;

import java.io.Serializable;

/**
 * Consecutive symbol ids of one file, all in the training or all in the validation split. A run that
 * {@code continues} carries on the text of the run before it (same file, same split, no gap); any other run starts a
 * new segment, and no window spans two segments.
 *
 * @param ids    the ids, unsigned 16-bit; only the first {@code length} count
 */
public record SymbolRun(boolean validation, boolean continues, short[] ids, int length) implements Serializable {
    /** Runs are cut at this many symbols, so that reading and writing them needs bounded memory. */
    public static final int MAX_LENGTH = 1 << 16;

    public int id(int i) {
        return ids[i] & 0xffff;
    }
}
