package io.charrnn.cli;

/** A run that has already done what was asked: not an error, but no training happened (exit code 3). */
final class NothingToDo extends RuntimeException {
    NothingToDo(String message) {
        super(message);
    }
}
