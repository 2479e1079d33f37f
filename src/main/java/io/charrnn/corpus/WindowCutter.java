package io.charrnn.corpus;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Cuts a stream of corpus lines into encoded windows lazily, so a partition never has to fit in memory.
 *
 * <p>Consecutive windows overlap by one symbol (the last target of one is the first input of the next), so every
 * character of a segment is predicted once. A segment is a run of lines of one file that belong to the same split;
 * when the file or the split changes, the unfinished window is dropped, so no window mixes training and validation
 * text. Each line contributes its text plus a newline.
 */
public final class WindowCutter implements Iterator<EncodedWindow> {
    private final Iterator<TextLine> lines;
    private final Vocabulary vocabulary;
    private final ValidationSplit split;
    private final int window;
    private final ArrayDeque<EncodedWindow> ready = new ArrayDeque<>();

    private short[] buffer;
    private int filled;
    private String segmentFile;
    private boolean segmentValidation;

    public WindowCutter(Iterator<TextLine> lines, Vocabulary vocabulary, ValidationSplit split, int window) {
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
            segmentFile = line.fileName();
            segmentValidation = validation;
            filled = 0;
        }
        String text = line.text();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            append(cp);
            i += Character.charCount(cp);
        }
        append('\n');
    }

    private void append(int codePoint) {
        int id = vocabulary.idOf(codePoint);
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
