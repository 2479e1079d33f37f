package io.charrnn.corpus;

import io.charrnn.common.LookaheadIterator;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.LongConsumer;

/**
 * Encodes one task's table rows into runs of symbol ids, each row's text followed by the table's separator. The rows
 * of each split are one stream of text (runs that {@link SymbolRun#continues() continue} one another), so a row
 * held out in the middle of a partition does not cut the training text into segments, and windows span rows as
 * they span the lines of a text file. Null and empty texts are left out (whether they were allowed is the counting
 * pass's decision).
 */
public final class RowEncoder extends LookaheadIterator<SymbolRun> {
    /** A row's text (null if the cell is null) and the key that decides its split. */
    public record Row(String text, String key) {
    }

    private final Iterator<Row> rows;
    private final Vocabulary vocabulary;
    private final ValidationSplit split;
    private final int[] separator;
    private final LongConsumer outsideVocabulary;
    private final ArrayDeque<SymbolRun> ready = new ArrayDeque<>();
    private final Stream training = new Stream(false);
    private final Stream validation = new Stream(true);
    private boolean flushed;

    /** @param outsideVocabulary as for {@link Vocabulary#idCounting} */
    public RowEncoder(Iterator<Row> rows, Vocabulary vocabulary, ValidationSplit split, String separator,
                      LongConsumer outsideVocabulary) {
        this.rows = rows;
        this.vocabulary = vocabulary;
        this.split = split;
        this.separator = separator.codePoints().toArray();
        this.outsideVocabulary = outsideVocabulary;
    }

    @Override
    protected SymbolRun computeNext() {
        while (ready.isEmpty() && rows.hasNext()) {
            Row row = rows.next();
            if (row.text() == null || row.text().isEmpty()) {
                continue;
            }
            Stream stream = split.isValidationRow(row.key() != null ? row.key() : row.text()) ? validation
                    : training;
            row.text().codePoints().forEach(stream::put);
            for (int cp : separator) {
                stream.put(cp);
            }
        }
        if (ready.isEmpty() && !flushed) {
            flushed = true;
            training.emit();
            validation.emit();
        }
        return ready.poll();
    }

    /** The text of one split, emitted a full run at a time. */
    private final class Stream {
        private final boolean isValidation;
        private short[] ids = new short[SymbolRun.MAX_LENGTH];
        private int length;
        private boolean emitted;

        Stream(boolean isValidation) {
            this.isValidation = isValidation;
        }

        void put(int codePoint) {
            int id = vocabulary.idCounting(codePoint, outsideVocabulary);
            if (id == Vocabulary.NOT_IN_VOCABULARY) {
                return;
            }
            ids[length++] = (short) id;
            if (length == ids.length) {
                emit();
            }
        }

        void emit() {
            if (length == 0) {
                return;
            }
            ready.add(new SymbolRun(isValidation, emitted, ids, length));
            emitted = true;
            ids = new short[SymbolRun.MAX_LENGTH];
            length = 0;
        }
    }
}
