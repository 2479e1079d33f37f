package io.charrnn.common;

/**
 * A job stops on purpose, before it could do harm, for a reason that is neither the user's mistake nor a bug: one
 * line saying why, exit code 1 (its subclasses say when).
 */
public class JobStopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobStopped(String message) {
        super(message);
    }
}
