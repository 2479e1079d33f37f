package io.charrnn.corpus;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Cuts a stream of symbol runs into windows lazily, so a partition never has to fit in memory.
 *
 * <p>Consecutive windows overlap by one symbol (the last target of one is the first input of the next), so every
 * character of a segment is predicted once. A segment is a sequence of runs of one file in one split (see
 * {@link SymbolRun#continues()}); when a new segment starts, the unfinished window is dropped, so no window mixes
 * files, or training and validation text. Every window of a segment but its first {@link EncodedWindow#follows()}
 * the one before.
 *
 * <p>For evaluation the cutter can also emit each segment's shorter remainder, so every character after a
 * segment's first is scored.
 */
public final class WindowCutter implements Iterator<EncodedWindow> {
    private final Iterator<SymbolRun> runs;
    private final int window;
    private final boolean keepRemainders;
    private final ArrayDeque<EncodedWindow> ready = new ArrayDeque<>();
    private boolean finished;

    private short[] buffer;
    private int filled;
    private boolean segmentValidation;
    private boolean segmentHasWindow;

    public WindowCutter(Iterator<SymbolRun> runs, int window) {
        this(runs, window, false);
    }

    /** @param keepRemainders also emit the last, shorter window of each segment (at least one target long) */
    public WindowCutter(Iterator<SymbolRun> runs, int window, boolean keepRemainders) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.runs = runs;
        this.window = window;
        this.keepRemainders = keepRemainders;
        this.buffer = new short[window + 1];
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && runs.hasNext()) {
            consume(runs.next());
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

    private void consume(SymbolRun run) {
        if (!run.continues() || run.validation() != segmentValidation) {
            endSegment();
            segmentValidation = run.validation();
        }
        short[] ids = run.ids();
        int i = 0;
        while (i < run.length()) {
            int n = Math.min(run.length() - i, buffer.length - filled);
            System.arraycopy(ids, i, buffer, filled, n);
            filled += n;
            i += n;
            if (filled == window + 1) {
                ready.add(new EncodedWindow(segmentValidation, segmentHasWindow, buffer));
                segmentHasWindow = true;
                short last = buffer[window];
                buffer = new short[window + 1];
                buffer[0] = last;
                filled = 1;
            }
        }
    }

    private void endSegment() {
        if (keepRemainders && filled >= 2) {
            ready.add(new EncodedWindow(segmentValidation, segmentHasWindow, Arrays.copyOf(buffer, filled)));
        }
        filled = 0;
        segmentHasWindow = false;
    }
}
