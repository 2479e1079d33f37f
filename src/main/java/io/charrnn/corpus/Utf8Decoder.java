package io.charrnn.corpus;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes UTF-8 from a stream one code point at a time, with the byte offset of each.
 *
 * <p>A malformed byte becomes one U+FFFD and the decoder moves on by exactly that byte. With that rule every byte
 * that is not a continuation byte (0x80-0xBF) starts a code point, so decoding is self-synchronising: started three
 * bytes before any offset, it finds the same code points from that offset on as a decoder started at the beginning
 * of the file. That is what lets a file be split anywhere and read in parallel without losing or doubling a
 * character. Well-formedness follows the Unicode standard (no overlongs, no surrogates, nothing above U+10FFFF).
 */
public final class Utf8Decoder {
    public static final int REPLACEMENT = 0xFFFD;
    /** A code point is at most this many bytes, so a split reader backs up this many bytes minus one. */
    public static final int MAX_BYTES = 4;

    private final InputStream in;
    private final byte[] buffer;
    private int pos;
    private int limit;
    private long bufferOffset;
    private boolean eof;
    private long offset;
    private boolean malformed;
    private long malformedCount;

    public Utf8Decoder(InputStream in, long firstByteOffset) {
        this(in, firstByteOffset, 1 << 16);
    }

    Utf8Decoder(InputStream in, long firstByteOffset, int bufferSize) {
        this.in = in;
        this.buffer = new byte[Math.max(bufferSize, MAX_BYTES * 2)];
        this.bufferOffset = firstByteOffset;
    }

    /** The next code point (U+FFFD for a malformed byte), or -1 at the end of the stream. */
    public int next() throws IOException {
        if (limit - pos < MAX_BYTES && !eof) {
            refill();
        }
        if (pos >= limit) {
            return -1;
        }
        offset = bufferOffset + pos;
        int b0 = buffer[pos] & 0xff;
        if (b0 < 0x80) {
            malformed = false;
            pos++;
            return b0;
        }
        int n;
        int cp;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 2;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            cp = b0 & 0x0F;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            cp = b0 & 0x07;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return replace();
        }
        if (limit - pos < n) {
            return replace();
        }
        int b1 = buffer[pos + 1] & 0xff;
        if (b1 < lo || b1 > hi) {
            return replace();
        }
        cp = (cp << 6) | (b1 & 0x3F);
        for (int k = 2; k < n; k++) {
            int b = buffer[pos + k] & 0xff;
            if ((b & 0xC0) != 0x80) {
                return replace();
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        malformed = false;
        pos += n;
        return cp;
    }

    /**
     * Decodes code points that start before {@code endOffset} into {@code out[from..from+max)}, as {@link #next()}
     * would one by one, with a tight loop for runs of ASCII; returns how many (0 at the end of the stream or at
     * {@code endOffset}). Malformed bytes among them are added to {@link #malformedCount()}.
     */
    public int decode(int[] out, int from, int max, long endOffset) throws IOException {
        int n = from;
        int end = from + max;
        while (n < end) {
            if (limit - pos < MAX_BYTES && !eof) {
                refill();
            }
            long room = endOffset - bufferOffset;
            if (pos >= limit || pos >= room) {
                break;
            }
            int stop = (int) Math.min(Math.min(limit, room), pos + (long) (end - n));
            byte[] b = buffer;
            int p = pos;
            while (p < stop && b[p] >= 0) {
                out[n++] = b[p++];
            }
            pos = p;
            if (p < stop) {
                out[n++] = next();
                if (malformed) {
                    malformedCount++;
                }
            }
        }
        return n - from;
    }

    /** Whether the stream has bytes left. */
    public boolean hasMore() throws IOException {
        if (limit - pos < MAX_BYTES && !eof) {
            refill();
        }
        return pos < limit;
    }

    /** Byte offset of the next code point, the one {@link #next()} or {@link #decode} would return next. */
    public long position() {
        return bufferOffset + pos;
    }

    /** Malformed bytes that {@link #decode} returned so far. */
    public long malformedCount() {
        return malformedCount;
    }

    /** Byte offset of the code point {@link #next()} returned last. */
    public long offset() {
        return offset;
    }

    /** Whether the code point {@link #next()} returned last replaced a malformed byte. */
    public boolean malformed() {
        return malformed;
    }

    private int replace() {
        malformed = true;
        pos++;
        return REPLACEMENT;
    }

    private void refill() throws IOException {
        int left = limit - pos;
        System.arraycopy(buffer, pos, buffer, 0, left);
        bufferOffset += pos;
        pos = 0;
        limit = left;
        while (limit < buffer.length) {
            int r = in.read(buffer, limit, buffer.length - limit);
            if (r < 0) {
                eof = true;
                return;
            }
            limit += r;
            if (limit >= MAX_BYTES) {
                return;
            }
        }
    }
}
