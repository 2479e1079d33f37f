package io.charrnn.spark;

import io.charrnn.common.UserError;
import io.charrnn.training.RoundRunner.Cancelled;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** What the user is told of a failed job, from Spark's own words (seen on this project's YARN and local runs). */
class JobFailuresTest {
    /** The driver's failure when the first lost task ends the job (Spark 4.2, YarnClusterIT's memory test). */
    private static final String LOST_TO_MEMORY = "Job aborted due to stage failure: Task 1 in stage 5.0 failed 1"
            + " times, most recent failure: Lost task 1.0 in stage 5.0 (TID 16) (localhost executor 5):"
            + " ExecutorLostFailure (executor 5 exited caused by one of the running tasks) Reason: Container killed"
            + " by YARN for exceeding physical memory limits. 641.6 MB of 640 MB physical memory used. Consider"
            + " boosting spark.executor.memoryOverhead.";

    @Test
    void executorsKilledForTheirMemoryNameTheSettingToRaise() {
        RuntimeException e = JobFailures.interpret(new IllegalStateException(new SparkException(LOST_TO_MEMORY)),
                null, false, "128m", 4096, "charrnn-epoch-1-round-1", "round 1 of epoch 1");
        assertInstanceOf(UserError.class, e);
        assertEquals("executors were killed by YARN for outgrowing their containers (641.6 MB of 640 MB physical"
                + " memory used): raise spark.executor.memoryOverhead (now 128m), or lower"
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes in spark.executor.extraJavaOptions (now 4096 MB) so"
                + " that ND4J stays inside them", e.getMessage());
        // After too many lost executors YARN ends the application: the job fails as a shut-down context, and the
        // reason an executor's loss gave earlier is what the user needs.
        RuntimeException late = JobFailures.interpret(new SparkException("Job 7 cancelled because SparkContext"
                + " was shut down"), "Container killed by YARN for exceeding physical memory limits. 1.1 GB of 1 GB"
                + " physical memory used. Consider boosting spark.executor.memoryOverhead.", true, null, 2048, "g",
                "round 2 of epoch 1");
        assertTrue(late.getMessage().contains("(1.1 GB of 1 GB physical memory used): raise"
                + " spark.executor.memoryOverhead (now Spark's default)"), late.getMessage());
        // With Spark's default retries the job can end on a stage that lost the killed executors' shuffle output
        // (Spark 4.2 on YARN, YarnClusterIT's memory test): the kills explain it.
        RuntimeException fetch = JobFailures.interpret(new SparkException("Job aborted due to stage failure:"
                + " ResultStage 5 (collect at SparkRoundRunner.java:228) has failed the maximum allowable number of"
                + " times: 4. Most recent failure reason: org.apache.spark.shuffle.MetadataFetchFailedException:"
                + " Missing an output location for shuffle 0 partition 0"), "Container killed by YARN for exceeding"
                + " physical memory limits. 650.2 MB of 640 MB physical memory used.", false, "128m", 4096, "g",
                "round 1 of epoch 1");
        assertInstanceOf(UserError.class, fetch);
        assertTrue(fetch.getMessage().contains("(650.2 MB of 640 MB physical memory used): raise"), fetch.getMessage());
        // Without a kill for memory since the last job that succeeded, a fetch failure is what it is.
        SparkException lostShuffle = new SparkException("Job aborted due to stage failure: ResultStage 5 has failed"
                + " the maximum allowable number of times: 4. Most recent failure reason:"
                + " org.apache.spark.shuffle.MetadataFetchFailedException: Missing an output location for shuffle 0");
        assertSame(lostShuffle, JobFailures.interpret(lostShuffle, null, false, "128m", 4096, "g", "x").getCause());
        // An earlier kill does not explain a cancel, a filesystem fault or a bug.
        String earlier = "Container killed by YARN for exceeding physical memory limits. 1.1 GB of 1 GB physical"
                + " memory used.";
        assertInstanceOf(Cancelled.class, JobFailures.interpret(new SparkException("Job 12 cancelled part of"
                + " cancelled job group g"), earlier, false, null, 2048, "g", "round 3 of epoch 2"));
        SparkException disk = new SparkException("Task failed: java.io.IOException: disk full");
        assertSame(disk, JobFailures.interpret(disk, earlier, false, null, 2048, "g", "x").getCause());
        assertInstanceOf(UserError.class, JobFailures.interpret(new SparkException("Job aborted: Lost task 0.3:"
                + " ExecutorLostFailure (executor 9 exited)"), earlier, false, null, 2048, "g", "x"));
        assertTrue(JobFailures.isMemoryKill(LOST_TO_MEMORY));
        assertFalse(JobFailures.isMemoryKill("Executor heartbeat timed out"));
    }

    @Test
    void aCancelledJobGroupCanStillBeCheckpointedAStoppedApplicationCannot() {
        Cancelled group = (Cancelled) JobFailures.interpret(new SparkException("Job 12 cancelled part of cancelled"
                + " job group charrnn-epoch-2-round-3"), null, false, null, 4096, "charrnn-epoch-2-round-3",
                "round 3 of epoch 2");
        assertEquals("round 3 of epoch 2 was cancelled (job group charrnn-epoch-2-round-3)", group.getMessage());
        assertTrue(group.runnerUsable());
        Cancelled stopped = (Cancelled) JobFailures.interpret(new SparkException("Job 12 cancelled because"
                + " SparkContext was shut down"), null, true, null, 4096, "g", "round 3 of epoch 2");
        assertFalse(stopped.runnerUsable());
        assertTrue(stopped.getMessage().endsWith("the Spark application was stopped"));
    }

    @Test
    void otherFailuresStayAsTheyAre() {
        IllegalArgumentException bug = new IllegalArgumentException("a bug");
        assertSame(bug, JobFailures.interpret(bug, null, false, null, 4096, "g", "x"));
        SparkException checked = new SparkException("Task failed: java.io.IOException: disk full");
        assertSame(checked, JobFailures.interpret(checked, null, false, null, 4096, "g", "x").getCause());
    }
}
