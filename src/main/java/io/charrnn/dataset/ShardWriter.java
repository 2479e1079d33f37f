package io.charrnn.dataset;

import io.charrnn.corpus.SymbolRun;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Writes one shard: a header (magic, format version, bytes per id) and then runs, each a flags byte (1: validation,
 * 2: continues the previous run), its length as an int and its ids, 1 or 2 bytes each, big-endian.
 */
public final class ShardWriter implements Closeable {
    static final int MAGIC = 0x43524e53; // "CRNS"
    static final int FLAG_VALIDATION = 1;
    static final int FLAG_CONTINUES = 2;

    private final DataOutputStream out;
    /** Every byte of the shard, header included, as it is written: the manifest records it, readers check it. */
    private final CRC32C checksum = new CRC32C();
    private final int bytesPerId;
    private final byte[] scratch = new byte[SymbolRun.MAX_LENGTH * 2];
    private long symbols;
    private long validationSymbols;
    private long runs;

    public ShardWriter(OutputStream stream, int bytesPerId) throws IOException {
        if (bytesPerId != 1 && bytesPerId != 2) {
            throw new IllegalArgumentException("bytesPerId must be 1 or 2");
        }
        this.out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(stream, checksum), 1 << 16));
        this.bytesPerId = bytesPerId;
        out.writeInt(MAGIC);
        out.writeByte(DatasetManifest.VERSION);
        out.writeByte(bytesPerId);
    }

    public void write(SymbolRun run) throws IOException {
        out.writeByte((run.validation() ? FLAG_VALIDATION : 0) | (run.continues() ? FLAG_CONTINUES : 0));
        out.writeInt(run.length());
        short[] ids = run.ids();
        if (bytesPerId == 1) {
            for (int i = 0; i < run.length(); i++) {
                scratch[i] = (byte) ids[i];
            }
            out.write(scratch, 0, run.length());
        } else {
            for (int i = 0; i < run.length(); i++) {
                scratch[2 * i] = (byte) (ids[i] >> 8);
                scratch[2 * i + 1] = (byte) ids[i];
            }
            out.write(scratch, 0, 2 * run.length());
        }
        symbols += run.length();
        if (run.validation()) {
            validationSymbols += run.length();
        }
        runs++;
    }

    public long symbols() {
        return symbols;
    }

    public long validationSymbols() {
        return validationSymbols;
    }

    public long runs() {
        return runs;
    }

    /** The CRC-32C of the shard's bytes, as 8 hex digits; complete once the writer is closed. */
    public String crc32c() {
        return ShardReader.hex(checksum);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
