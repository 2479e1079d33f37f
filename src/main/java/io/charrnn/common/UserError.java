package io.charrnn.common;

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

    /**
     * What a failed read of {@code uri} is: the user's mistake (nothing there, no permission, an unknown scheme) or
     * a fault (a filesystem that is down or unreachable, where the same command may work later, exit 1).
     */
    public static RuntimeException reading(String uri, java.io.IOException e) {
        if (e instanceof java.io.FileNotFoundException || e instanceof java.nio.file.NoSuchFileException
                || e instanceof java.nio.file.AccessDeniedException
                || e instanceof org.apache.hadoop.security.AccessControlException
                || e instanceof org.apache.hadoop.fs.UnsupportedFileSystemException) {
            return new UserError("cannot read " + uri + ": " + e.getMessage(), e);
        }
        return new java.io.UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
}
