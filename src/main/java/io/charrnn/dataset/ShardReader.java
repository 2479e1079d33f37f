package io.charrnn.dataset;

import io.charrnn.common.LookaheadIterator;
import io.charrnn.corpus.SymbolRun;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the runs of one shard written by {@link ShardWriter}, one run in memory at a time. */
public final class ShardReader extends LookaheadIterator<SymbolRun> implements Closeable {
    private final DataInputStream in;
    private final String name;
    private final int bytesPerId;
    private final byte[] scratch = new byte[SymbolRun.MAX_LENGTH * 2];

    public ShardReader(InputStream stream, String name) throws IOException {
        this.in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        this.name = name;
        try {
            if (in.readInt() != ShardWriter.MAGIC) {
                throw new IOException("shard " + name + " is not a charrnn shard");
            }
            int version = in.readUnsignedByte();
            if (version != DatasetManifest.VERSION) {
                throw new IOException("shard " + name + " has format version " + version);
            }
            bytesPerId = in.readUnsignedByte();
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

    @Override
    public void close() throws IOException {
        in.close();
    }
}
