package io.charrnn.corpus;

import io.charrnn.common.UserError;
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
    private boolean started;
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

    /**
     * Reads up to {@code max} of the chunk's next code points into {@code out[from..]}, stopping before the first
     * that starts at or after {@code endOffset} (a validation block's end, say); returns how many, 0 when there are
     * none left before {@code endOffset} or in the chunk.
     */
    private static boolean isFilesystemFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException
                    || t instanceof org.apache.hadoop.hdfs.BlockMissingException
                    || t instanceof org.apache.hadoop.fs.ChecksumException) {
                return true;
            }
        }
        return false;
    }

    public int read(int[] out, int from, int max, long endOffset) throws IOException {
        start();
        long stop = Math.min(endOffset, chunk.end());
        int n;
        try {
            n = decoder.decode(out, from, max, stop);
        } catch (IOException | RuntimeException e) {
            // A dropped connection or a lost block is the cluster's fault (Spark retries the task), not the file's.
            if (!chunk.file().compressed() || isFilesystemFault(e)) {
                throw e;
            }
            // A file that cannot be decompressed is the user's to fix, not a failure of the job.
            throw new UserError("cannot decompress " + chunk.file().uri() + " (" + e.getMessage() + "); repair or"
                    + " remove the file");
        }
        symbols += n;
        return n;
    }

    /** Byte offset of the next code point (in the decompressed text for a compressed file). */
    public long position() throws IOException {
        start();
        return decoder.position();
    }

    /** Whether the chunk has code points left. */
    public boolean hasMore() throws IOException {
        start();
        return decoder.position() < chunk.end() && decoder.hasMore();
    }

    /** Skips the code points that start before the chunk: they belong to the chunk before (see Utf8Decoder). */
    private void start() throws IOException {
        if (!started) {
            started = true;
            while (decoder.position() < chunk.start() && decoder.next() >= 0) {
                // skipped, and not counted as malformed here: the chunk before counts them
            }
        }
    }

    public InputChunk chunk() {
        return chunk;
    }

    /** Malformed bytes read so far, each replaced by one U+FFFD. */
    public long malformedBytes() {
        return decoder.malformedCount();
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
