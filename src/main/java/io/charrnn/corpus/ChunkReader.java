package io.charrnn.corpus;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the code points a chunk owns from any Hadoop filesystem: those whose first byte lies in [start, end). It
 * starts three bytes early and reads up to three bytes past the end, so a code point cut by a chunk boundary is
 * read whole by exactly one chunk (see {@link Utf8Decoder}). Compressed files are decoded by Hadoop's codecs.
 */
public final class ChunkReader implements Closeable {
    private final InputChunk chunk;
    private final InputStream stream;
    private final Utf8Decoder decoder;
    private int codePoint;
    private long malformedBytes;
    private long symbols;

    public ChunkReader(Configuration conf, InputChunk chunk) throws IOException {
        this.chunk = chunk;
        Path path = new Path(chunk.file().uri());
        FileSystem fs = path.getFileSystem(conf);
        FSDataInputStream raw = fs.open(path);
        try {
            if (chunk.file().compressed()) {
                CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
                if (codec == null) {
                    throw new IOException("no codec for " + path);
                }
                stream = new BufferedInputStream(codec.createInputStream(raw), 1 << 16);
                decoder = new Utf8Decoder(stream, 0);
            } else {
                long from = Math.max(0, chunk.start() - (Utf8Decoder.MAX_BYTES - 1));
                raw.seek(from);
                stream = raw;
                decoder = new Utf8Decoder(stream, from);
            }
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Moves to the next code point of the chunk; false at its end. */
    public boolean advance() throws IOException {
        while (true) {
            int cp = next();
            if (cp < 0 || decoder.offset() >= chunk.end()) {
                return false;
            }
            if (decoder.offset() >= chunk.start()) {
                codePoint = cp;
                symbols++;
                if (decoder.malformed()) {
                    malformedBytes++;
                }
                return true;
            }
        }
    }

    /** A compressed file that cannot be decompressed is the user's to fix, not a failure of the job. */
    private int next() throws IOException {
        if (!chunk.file().compressed()) {
            return decoder.next();
        }
        try {
            return decoder.next();
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot decompress " + chunk.file().uri() + " (" + e.getMessage() + "); repair or"
                    + " remove the file");
        }
    }

    public int codePoint() {
        return codePoint;
    }

    /** Byte offset of the current code point in its file (in the decompressed text for a compressed file). */
    public long offset() {
        return decoder.offset();
    }

    public InputChunk chunk() {
        return chunk;
    }

    /** Malformed bytes read so far, each replaced by one U+FFFD. */
    public long malformedBytes() {
        return malformedBytes;
    }

    /** Code points read so far. */
    public long symbols() {
        return symbols;
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }
}
