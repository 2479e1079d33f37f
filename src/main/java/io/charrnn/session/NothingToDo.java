package io.charrnn.session;

/** A run that has already done what was asked: not an error, but no training happened (exit code 3). */
public final class NothingToDo extends RuntimeException {
    public NothingToDo(String message) {
        super(message);
    }
}
