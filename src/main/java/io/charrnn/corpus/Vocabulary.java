package io.charrnn.corpus;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The symbols a model knows: Unicode code points in ascending order, id = position. Ids are stored as 16-bit values
 * in encoded windows, so a vocabulary holds at most {@link #MAX_SIZE} symbols.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int MAX_SIZE = 65_536;
    public static final int NOT_IN_VOCABULARY = -1;

    private final int[] codePoints;
    private final long[] counts;

    public Vocabulary(int[] codePoints, long[] counts) {
        if (codePoints.length != counts.length) {
            throw new IllegalArgumentException("codePoints and counts differ in length");
        }
        for (int i = 1; i < codePoints.length; i++) {
            if (codePoints[i] <= codePoints[i - 1]) {
                throw new IllegalArgumentException("code points must be strictly ascending");
            }
        }
        this.codePoints = codePoints.clone();
        this.counts = counts.clone();
    }

    /** Counts every code point of the lines, plus one newline per line (the text a window cutter sees). */
    public static HashMap<Integer, Long> countSymbols(Iterator<TextLine> lines) {
        HashMap<Integer, Long> counts = new HashMap<>();
        while (lines.hasNext()) {
            lines.next().text().codePoints().forEach(cp -> counts.merge(cp, 1L, Long::sum));
            counts.merge((int) '\n', 1L, Long::sum);
        }
        return counts;
    }

    /** Builds a vocabulary from symbol counts (code point to count); the map's order does not matter. */
    public static Vocabulary fromCounts(Map<Integer, Long> symbolCounts) {
        if (symbolCounts.size() > MAX_SIZE) {
            throw new UserError("the corpus has " + symbolCounts.size() + " distinct symbols, more than the "
                    + MAX_SIZE + " a model can hold; is it really text?");
        }
        TreeMap<Integer, Long> sorted = new TreeMap<>(symbolCounts);
        int[] cps = new int[sorted.size()];
        long[] cnt = new long[sorted.size()];
        int i = 0;
        for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
            cps[i] = e.getKey();
            cnt[i] = e.getValue();
            i++;
        }
        return new Vocabulary(cps, cnt);
    }

    public int size() {
        return codePoints.length;
    }

    /** The id of a code point, or {@link #NOT_IN_VOCABULARY}. */
    public int idOf(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : NOT_IN_VOCABULARY;
    }

    public int codePointOf(int id) {
        return codePoints[id];
    }

    public long countOf(int id) {
        return counts[id];
    }

    public long totalCount() {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total;
    }

    public int[] codePoints() {
        return codePoints.clone();
    }

    public long[] counts() {
        return counts.clone();
    }

    /** Encodes text; throws {@link UserError} naming the first symbol the vocabulary lacks. */
    public int[] encode(String text) {
        int[] cps = text.codePoints().toArray();
        int[] ids = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            ids[i] = idOf(cps[i]);
            if (ids[i] == NOT_IN_VOCABULARY) {
                throw new UserError("the text contains " + describe(cps[i])
                        + ", which is not in the model's vocabulary of " + size() + " symbols; remove it");
            }
        }
        return ids;
    }

    public String decode(int id) {
        return new String(Character.toChars(codePoints[id]));
    }

    /** A readable name for a code point in messages, e.g. {@code 'é' (U+00E9)}. */
    public static String describe(int codePoint) {
        String shown = Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)
                ? "" : "'" + new String(Character.toChars(codePoint)) + "' ";
        return shown + String.format("(U+%04X)", codePoint);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && Arrays.equals(codePoints, v.codePoints) && Arrays.equals(counts, v.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints) * 31 + Arrays.hashCode(counts);
    }
}
