package io.charrnn.dataset;

import io.charrnn.common.LookaheadIterator;
import io.charrnn.common.UserError;
import io.charrnn.corpus.SymbolRun;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * Reads the runs of one shard written by {@link ShardWriter}, one run in memory at a time. Where the manifest gives
 * the shard's CRC-32C, the bytes read are checked against it at the shard's end: a shard rewritten after prepare
 * with its size unchanged (which the dataset's open checks) fails the read there. Training reads whole shards in an
 * epoch's shuffle, before any round trains on them.
 */
public final class ShardReader extends LookaheadIterator<SymbolRun> implements Closeable {
    private final DataInputStream in;
    private final String name;
    private final String expectedCrc32c;
    private final CRC32C checksum = new CRC32C();
    private final int bytesPerId;
    private final byte[] scratch = new byte[SymbolRun.MAX_LENGTH * 2];

    /** A shard whose bytes are not checked (a manifest from before checksums, or a test's own bytes). */
    public ShardReader(InputStream stream, String name) throws IOException {
        this(stream, name, null);
    }

    /** @param expectedCrc32c the manifest's CRC-32C of the shard, or null to check nothing */
    public ShardReader(InputStream stream, String name, String expectedCrc32c) throws IOException {
        this.in = new DataInputStream(new BufferedInputStream(new CheckedInputStream(stream, checksum), 1 << 16));
        this.name = name;
        this.expectedCrc32c = expectedCrc32c;
        try {
            if (in.readInt() != ShardWriter.MAGIC) {
                throw new IOException("shard " + name + " is not a charrnn shard");
            }
            int version = in.readUnsignedByte();
            if (version != DatasetManifest.VERSION) {
                throw new IOException("shard " + name + " has format version " + version);
            }
            bytesPerId = in.readUnsignedByte();
            if (bytesPerId != 1 && bytesPerId != 2) {
                throw new IOException("shard " + name + " is damaged (its header gives " + bytesPerId
                        + " bytes per symbol)");
            }
        } catch (EOFException e) {
            throw new IOException("shard " + name + " is truncated");
        }
    }

    /** The next run; at the end of the shard, null, and the stream is closed. */
    @Override
    protected SymbolRun computeNext() {
        try {
            SymbolRun run = read();
            if (run == null) {
                in.close();
                checkSum();
            }
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SymbolRun read() throws IOException {
        int flags = in.read();
        if (flags < 0) {
            return null;
        }
        try {
            int length = in.readInt();
            if (length < 1 || length > SymbolRun.MAX_LENGTH || (flags & ~3) != 0) {
                throw new IOException("shard " + name + " is damaged (a run header is invalid)");
            }
            short[] ids = new short[length];
            in.readFully(scratch, 0, length * bytesPerId);
            if (bytesPerId == 1) {
                for (int i = 0; i < length; i++) {
                    ids[i] = (short) (scratch[i] & 0xff);
                }
            } else {
                for (int i = 0; i < length; i++) {
                    ids[i] = (short) (((scratch[2 * i] & 0xff) << 8) | (scratch[2 * i + 1] & 0xff));
                }
            }
            return new SymbolRun((flags & ShardWriter.FLAG_VALIDATION) != 0,
                    (flags & ShardWriter.FLAG_CONTINUES) != 0, ids, length);
        } catch (EOFException e) {
            throw new IOException("shard " + name + " is truncated");
        }
    }

    /** At the end of the shard, where every byte has passed through the checksum. */
    private void checkSum() {
        String actual = hex(checksum);
        if (expectedCrc32c != null && !expectedCrc32c.equals(actual)) {
            throw new UserError("shard " + name + " of a prepared dataset does not match its fingerprint (its bytes"
                    + " changed after prepare: CRC-32C " + actual + ", the manifest says " + expectedCrc32c
                    + "); prepare the corpus again");
        }
    }

    static String hex(CRC32C checksum) {
        return String.format(java.util.Locale.ROOT, "%08x", checksum.getValue());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
