package io.charrnn.corpus;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;

/**
 * Cuts a stream of corpus lines into encoded windows lazily, so a partition never has to fit in memory.
 *
 * <p>Consecutive windows overlap by one symbol (the last target of one is the first input of the next), so every
 * character of a segment is predicted once. A segment is a run of lines of one file that belong to the same split;
 * when the file or the split changes, the unfinished window is dropped, so no window mixes training and validation
 * text. Each line contributes its text plus a newline.
 *
 * <p>For evaluation the cutter can also emit each segment's shorter remainder (so every character after a
 * segment's first is scored) and skip symbols outside the vocabulary, counting them, instead of failing.
 */
public final class WindowCutter implements Iterator<EncodedWindow> {
    private final Iterator<TextLine> lines;
    private final Vocabulary vocabulary;
    private final ValidationSplit split;
    private final int window;
    private final boolean keepRemainders;
    private final LongConsumer unknownSymbols;
    private final ArrayDeque<EncodedWindow> ready = new ArrayDeque<>();
    private boolean finished;

    private short[] buffer;
    private int filled;
    private String segmentFile;
    private boolean segmentValidation;

    public WindowCutter(Iterator<TextLine> lines, Vocabulary vocabulary, ValidationSplit split, int window) {
        this(lines, vocabulary, split, window, false, null);
    }

    /**
     * @param keepRemainders  also emit the last, shorter window of each segment (at least one target long)
     * @param unknownSymbols  receives 1 for each symbol outside the vocabulary, which is then skipped; null makes
     *                        such a symbol an error
     */
    public WindowCutter(Iterator<TextLine> lines, Vocabulary vocabulary, ValidationSplit split, int window,
                        boolean keepRemainders, LongConsumer unknownSymbols) {
        this.keepRemainders = keepRemainders;
        this.unknownSymbols = unknownSymbols;
        if (window < 1) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.lines = lines;
        this.vocabulary = vocabulary;
        this.split = split;
        this.window = window;
        this.buffer = new short[window + 1];
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && lines.hasNext()) {
            consume(lines.next());
        }
        if (ready.isEmpty() && !finished) {
            finished = true;
            endSegment();
        }
        return !ready.isEmpty();
    }

    @Override
    public EncodedWindow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void consume(TextLine line) {
        boolean validation = split.isValidation(line.fileName(), line.byteOffset());
        if (!line.fileName().equals(segmentFile) || validation != segmentValidation) {
            endSegment();
            segmentFile = line.fileName();
            segmentValidation = validation;
        }
        String text = line.text();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            append(cp);
            i += Character.charCount(cp);
        }
        append('\n');
    }

    private void endSegment() {
        if (keepRemainders && filled >= 2) {
            ready.add(new EncodedWindow(segmentValidation, java.util.Arrays.copyOf(buffer, filled)));
        }
        filled = 0;
    }

    private void append(int codePoint) {
        int id = vocabulary.idOf(codePoint);
        if (id == Vocabulary.NOT_IN_VOCABULARY && unknownSymbols != null) {
            unknownSymbols.accept(1);
            return;
        }
        if (id == Vocabulary.NOT_IN_VOCABULARY) {
            throw new IllegalStateException("symbol " + Vocabulary.describe(codePoint)
                    + " was not counted into the vocabulary");
        }
        buffer[filled++] = (short) id;
        if (filled == window + 1) {
            ready.add(new EncodedWindow(segmentValidation, buffer));
            short last = buffer[window];
            buffer = new short[window + 1];
            buffer[0] = last;
            filled = 1;
        }
    }
}
