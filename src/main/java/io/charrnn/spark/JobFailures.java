package io.charrnn.spark;

import io.charrnn.common.UserError;
import io.charrnn.training.RoundRunner.Cancelled;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a failed Spark job means for the user, from what Spark says of it: executors that YARN killed for
 * outgrowing their containers (one line naming the settings to change), a job that was cancelled (its job group,
 * the UI's kill link, or the application's end), or any other failure as it is.
 */
final class JobFailures {
    /** Spark's reason for an executor YARN killed (YarnAllocator, Spark 3.5 and 4): "X MB of Y MB physical ...". */
    private static final Pattern CONTAINER_MEMORY_KILL = Pattern.compile(
            "Container killed by YARN for exceeding \\w+ memory limits\\.\\s*(.*? memory used)");

    private JobFailures() {
    }

    /** Whether an executor's loss reason is YARN's kill for memory. */
    static boolean isMemoryKill(String reason) {
        return reason != null && CONTAINER_MEMORY_KILL.matcher(reason).find();
    }

    /**
     * @param e             the job's failure
     * @param memoryKill    the reason of the last executor that YARN killed for its memory since the last job that
     *                      succeeded, or null: after that, a job may fail as "SparkContext was shut down" (too many
     *                      executors lost), with a lost executor, or with a stage that could not fetch the lost
     *                      executors' shuffle output (Spark's default retries, YarnClusterIT), and only such failures
     *                      are put down to it
     * @param stopped       whether Spark is stopped (an application's end, not a job group's cancel)
     * @param overhead      spark.executor.memoryOverhead as set, or null
     * @param physicalLimit ND4J's process limit on executors, MB
     * @param group         the job group of the failed job
     * @param what          what failed, for the message ("round 3 of epoch 1")
     */
    static RuntimeException interpret(Exception e, String memoryKill, boolean stopped, String overhead,
                                      long physicalLimit, String group, String what) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            boolean executorsGone = message.contains("SparkContext was shut down")
                    || message.contains("ExecutorLostFailure")
                    // A stage that read a lost executor's shuffle output, retried until Spark gives up on it.
                    || message.contains("MetadataFetchFailedException") || message.contains("FetchFailed")
                    || message.contains("ExecutorDeadException");
            Matcher memory = CONTAINER_MEMORY_KILL.matcher(memoryKill != null && executorsGone ? memoryKill : message);
            if (memory.find()) {
                return new UserError("executors were killed by YARN for outgrowing their containers ("
                        + memory.group(1) + "): raise spark.executor.memoryOverhead (now "
                        + (overhead == null ? "Spark's default" : overhead) + "), or lower"
                        + " -Dorg.bytedeco.javacpp.maxphysicalbytes in spark.executor.extraJavaOptions (now "
                        + physicalLimit + " MB) so that ND4J stays inside them");
            }
            if (t instanceof org.apache.spark.SparkException && message.contains(" cancelled")) {
                return new Cancelled(what + (stopped ? " was cancelled: the Spark application was stopped"
                        : " was cancelled (job group " + group + ")"), !stopped);
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
}
