package io.charrnn.corpus;

import io.charrnn.common.UserError;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The symbols a model knows: Unicode code points in ascending order, id = position. Ids are stored as 16-bit values
 * in encoded windows, so a vocabulary holds at most {@link #MAX_SIZE} symbols. A vocabulary may have an unknown
 * symbol (U+FFFD, see {@link VocabularyPolicy}) that every code point outside it maps to.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int MAX_SIZE = 65_536;
    public static final int NOT_IN_VOCABULARY = -1;

    private final int[] codePoints;
    private final long[] counts;
    private final int unknownId;
    /** Id per BMP code point (-1: none), built on first use: encoding looks up every character. */
    private transient int[] bmpIds;

    public Vocabulary(int[] codePoints, long[] counts) {
        this(codePoints, counts, false);
    }

    /** @param withUnknown whether U+FFFD, which must be among the code points, stands for all others */
    public Vocabulary(int[] codePoints, long[] counts, boolean withUnknown) {
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
        if (withUnknown) {
            unknownId = Arrays.binarySearch(this.codePoints, Utf8Decoder.REPLACEMENT);
            if (unknownId < 0) {
                throw new IllegalArgumentException("a vocabulary with an unknown symbol must hold U+FFFD");
            }
        } else {
            unknownId = NOT_IN_VOCABULARY;
        }
    }

    /** Builds a vocabulary from symbol counts (code point to count); the map's order does not matter. */
    public static Vocabulary fromCounts(Map<Integer, Long> symbolCounts) {
        return fromCounts(symbolCounts, false);
    }

    public static Vocabulary fromCounts(Map<Integer, Long> symbolCounts, boolean withUnknown) {
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
        return new Vocabulary(cps, cnt, withUnknown);
    }

    public int size() {
        return codePoints.length;
    }

    /** The id of a code point: its own, else the unknown symbol's, else {@link #NOT_IN_VOCABULARY}. */
    public int idOf(int codePoint) {
        int id = exactIdOf(codePoint);
        return id >= 0 ? id : unknownId;
    }

    /**
     * The id a code point is encoded as: its own; else the unknown symbol's, adding 1 to {@code outside}; else
     * {@link #NOT_IN_VOCABULARY} (the symbol is skipped), or with no {@code outside} (skipping is an error) a failure.
     */
    public int idCounting(int codePoint, java.util.function.LongConsumer outside) {
        int id = exactIdOf(codePoint);
        if (id != NOT_IN_VOCABULARY) {
            return id;
        }
        if (outside != null) {
            outside.accept(1);
        }
        if (unknownId == NOT_IN_VOCABULARY && outside == null) {
            throw new IllegalStateException("symbol " + describe(codePoint) + " was not counted into the vocabulary");
        }
        return unknownId;
    }

    /** The code point's own id, or {@link #NOT_IN_VOCABULARY}. */
    public int exactIdOf(int codePoint) {
        int[] table = bmpIdTable();
        if (codePoint >= 0 && codePoint < table.length) {
            return table[codePoint];
        }
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : NOT_IN_VOCABULARY;
    }

    /** Id of each code point of the Basic Multilingual Plane, or {@link #NOT_IN_VOCABULARY}; not to be changed. */
    int[] bmpIdTable() {
        int[] table = bmpIds;
        if (table == null) {
            table = new int[65_536];
            Arrays.fill(table, NOT_IN_VOCABULARY);
            for (int i = 0; i < codePoints.length && codePoints[i] < table.length; i++) {
                table[codePoints[i]] = i;
            }
            bmpIds = table;
        }
        return table;
    }

    /** The unknown symbol's id, or {@link #NOT_IN_VOCABULARY} if this vocabulary has none. */
    public int unknownId() {
        return unknownId;
    }

    public boolean hasUnknown() {
        return unknownId != NOT_IN_VOCABULARY;
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

    /** Encodes text, mapping symbols it lacks to the unknown symbol; without one, fails naming the first. */
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
        return o instanceof Vocabulary v && Arrays.equals(codePoints, v.codePoints) && Arrays.equals(counts, v.counts)
                && unknownId == v.unknownId;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints) * 31 + Arrays.hashCode(counts);
    }
}
