package io.charrnn.corpus;

/**
 * A mistake the user can fix (bad option, missing corpus, wrong checkpoint path). The CLI prints the message as
 * one line and exits with code 2; it never shows a stack trace for these.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
