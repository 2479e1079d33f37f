package io.charrnn.corpus;

import io.charrnn.common.LookaheadIterator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.function.LongConsumer;

/**
 * Encodes the chunks of one task into runs of symbol ids, splitting them into training and validation text by the
 * {@link ValidationSplit}'s blocks. Each chunk starts a new segment.
 */
public final class RunEncoder extends LookaheadIterator<SymbolRun> {
    /** Opens a chunk for reading; a Hadoop filesystem in production. */
    public interface Opener {
        ChunkReader open(InputChunk chunk) throws IOException;
    }

    private final Iterator<InputChunk> chunks;
    private final Opener opener;
    private final Vocabulary vocabulary;
    private final ValidationSplit split;
    private final LongConsumer outsideVocabulary;
    private ChunkReader reader;

    // The segment being encoded: its split, whether the next run continues it, and where the current block ends.
    private boolean validation;
    private boolean continues;
    private long blockEnd;
    private final int[] codePoints = new int[SymbolRun.MAX_LENGTH];

    /**
     * @param outsideVocabulary receives 1 for each symbol without an id of its own, which then maps to the unknown
     *                          symbol or, in a vocabulary without one, is skipped; null: skipping is an error
     */
    public RunEncoder(Iterator<InputChunk> chunks, Opener opener, Vocabulary vocabulary, ValidationSplit split,
                      LongConsumer outsideVocabulary) {
        this.chunks = chunks;
        this.opener = opener;
        this.vocabulary = vocabulary;
        this.split = split;
        this.outsideVocabulary = outsideVocabulary;
    }

    @Override
    protected SymbolRun computeNext() {
        try {
            while (true) {
                if (reader == null) {
                    if (!chunks.hasNext()) {
                        return null;
                    }
                    reader = opener.open(chunks.next());
                    continues = false;
                    blockEnd = -1;
                }
                SymbolRun run = readRun();
                if (run != null) {
                    return run;
                }
                reader.close();
                reader = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next run of the open chunk, or null at its end. */
    private SymbolRun readRun() throws IOException {
        short[] ids = new short[SymbolRun.MAX_LENGTH];
        int n = 0;
        boolean runValidation = false;
        boolean runContinues = false;
        boolean splitChanged = false;
        String file = reader.chunk().file().name();
        while (n < ids.length && reader.hasMore()) {
            long offset = reader.position();
            if (offset >= blockEnd) {
                long block = offset / ValidationSplit.BLOCK_BYTES;
                blockEnd = (block + 1) * ValidationSplit.BLOCK_BYTES;
                boolean v = split.isValidationBlock(file, block);
                if (v != validation) {
                    validation = v;
                    continues = false;
                }
            }
            if (n == 0) {
                runValidation = validation;
                runContinues = continues;
            } else if (validation != runValidation) {
                splitChanged = true; // the next code point opens the next run
                break;
            }
            int read = reader.read(codePoints, 0, ids.length - n, blockEnd);
            int[] table = vocabulary.bmpIdTable();
            for (int i = 0; i < read; i++) {
                int cp = codePoints[i];
                int id = cp < table.length ? table[cp] : Vocabulary.NOT_IN_VOCABULARY;
                if (id >= 0) {
                    ids[n++] = (short) id;
                } else {
                    n = putOther(ids, n, cp);
                }
            }
        }
        if (n == 0) {
            return null;
        }
        continues = !splitChanged;
        return new SymbolRun(runValidation, runContinues, ids, n);
    }

    /** A code point outside the BMP, or without an id of its own. */
    private int putOther(short[] ids, int n, int codePoint) {
        int id = vocabulary.idCounting(codePoint, outsideVocabulary);
        if (id == Vocabulary.NOT_IN_VOCABULARY) {
            return n;
        }
        ids[n] = (short) id;
        return n + 1;
    }
}
