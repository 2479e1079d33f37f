package io.charrnn.checkpoint;

import io.charrnn.common.JobStopped;

/**
 * This job no longer holds its run's lock (another job took it over after this one stopped renewing it, or it could
 * not be renewed): the job stops before its next write, so that one run directory never has two writers.
 */
public final class LockLost extends JobStopped {
    private static final long serialVersionUID = 1L;

    public LockLost(String message) {
        super(message);
    }
}
