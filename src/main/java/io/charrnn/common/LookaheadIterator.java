package io.charrnn.common;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** An iterator that computes each element ahead, when asked whether there is one; null marks the end. */
public abstract class LookaheadIterator<T> implements Iterator<T> {
    private T pending;
    private boolean done;

    /** The next element, or null when there is none. */
    protected abstract T computeNext();

    @Override
    public final boolean hasNext() {
        if (pending == null && !done) {
            pending = computeNext();
            done = pending == null;
        }
        return pending != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T element = pending;
        pending = null;
        return element;
    }
}
