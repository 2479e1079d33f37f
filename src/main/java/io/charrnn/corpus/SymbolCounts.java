package io.charrnn.corpus;

import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * How often each code point occurs, with the malformed bytes among them: an array for the Basic Multilingual Plane
 * (nearly all text) and a map for the rest, so counting costs an array increment per character. Serialized as its
 * non-zero entries only: each task of a counting pass sends one to the driver, and the whole array (512 KiB) from
 * each of thousands of partitions passed Spark's 1g spark.driver.maxResultSize.
 */
public final class SymbolCounts implements Serializable {
    private static final long serialVersionUID = 2L;
    private transient long[] bmp = new long[65_536];
    private final HashMap<Integer, Long> supplementary = new HashMap<>();
    private long malformedBytes;

    public void add(int codePoint) {
        if (codePoint < bmp.length) {
            bmp[codePoint]++;
        } else {
            supplementary.merge(codePoint, 1L, Long::sum);
        }
    }

    /** Counts every code point a chunk owns, and its malformed bytes. */
    public void addAll(ChunkReader reader) throws IOException {
        long malformedBefore = reader.malformedBytes();
        int[] codePoints = new int[1 << 14];
        for (int n; (n = reader.read(codePoints, 0, codePoints.length, Long.MAX_VALUE)) > 0; ) {
            for (int i = 0; i < n; i++) {
                add(codePoints[i]);
            }
        }
        malformedBytes += reader.malformedBytes() - malformedBefore;
    }

    public SymbolCounts merge(SymbolCounts other) {
        for (int i = 0; i < bmp.length; i++) {
            bmp[i] += other.bmp[i];
        }
        other.supplementary.forEach((k, v) -> supplementary.merge(k, v, Long::sum));
        malformedBytes += other.malformedBytes;
        return this;
    }

    /** Code point to count, for the code points that occur. */
    public Map<Integer, Long> toMap() {
        Map<Integer, Long> out = new HashMap<>(supplementary);
        for (int i = 0; i < bmp.length; i++) {
            if (bmp[i] > 0) {
                out.put(i, bmp[i]);
            }
        }
        return out;
    }

    public long total() {
        long t = 0;
        for (long c : bmp) {
            t += c;
        }
        for (long c : supplementary.values()) {
            t += c;
        }
        return t;
    }

    public long malformedBytes() {
        return malformedBytes;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        int used = 0;
        for (long c : bmp) {
            used += c != 0 ? 1 : 0;
        }
        out.writeInt(used);
        for (int i = 0; i < bmp.length; i++) {
            if (bmp[i] != 0) {
                out.writeChar(i);
                out.writeLong(bmp[i]);
            }
        }
    }

    private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        bmp = new long[65_536];
        for (int n = in.readInt(); n > 0; n--) {
            char codePoint = in.readChar();
            bmp[codePoint] = in.readLong();
        }
    }
}
