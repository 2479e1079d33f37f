package io.charrnn.checkpoint;

import io.charrnn.S3Server;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The replace and lock guarantees of the local-disk and HDFS tests, on S3 through s3a (an S3 API server started as
 * a process, {@link S3Server}), where files are uploaded, not renamed, and the lock is a conditional upload.
 */
class S3RunDirectoryTest {
    private static String uri(S3Server s3, String name) {
        return s3.uri(path(name));
    }

    /** A new directory's path in the bucket. */
    private static String path(String name) {
        return "directories/" + name + "-" + System.nanoTime();
    }

    /**
     * The replaces are uploads, each object whole from the moment it appears. The file is watched through the S3
     * API, one GET of the whole object a read (see {@link S3Server#read}), so that what is tested is what the job
     * writes: never a missing object (a rename would be a delete, then a copy), never a part of one.
     */
    @Test
    void aReplacedFileIsNeverAbsentNorPartial() throws Exception {
        S3Server s3 = S3Server.shared();
        String path = path("replaced");
        assertNull(AtomicReplaceTest.watchReplaces(s3.uri(path), s3.configuration(), 150,
                () -> s3.read(path + "/latest")));
    }

    /** Six threads take the lock of one new run at the same moment: their conditional uploads race at the store. */
    @Test
    void ofManyJobsStartingAtOnceExactlyOneHoldsTheLock() throws Exception {
        S3Server s3 = S3Server.shared();
        Configuration conf = s3.configuration();
        for (int attempt = 0; attempt < 3; attempt++) {
            assertEquals(1, RunLockTest.holders(uri(s3, "new"), conf, 6), "attempt " + attempt);
        }
    }

    /**
     * A job stopped in the middle of its upload of metrics.jsonl, past the stale time, while another job took the run
     * over and wrote its own lines: the stopped job's upload, of its older copy plus its line, is refused by the
     * store (its ETag no longer matches), and the job stops; the other job's lines stay.
     */
    @Test
    void anAppendOverLinesAnotherJobWroteMeanwhileIsRefusedAndStopsTheJob() throws Exception {
        S3Server s3 = S3Server.shared();
        String run = uri(s3, "appended");
        AtomicDirectory stopped = new AtomicDirectory(run, s3.configuration());
        AtomicDirectory other = new AtomicDirectory(run, s3.configuration());
        stopped.appendText("metrics.jsonl", "round 1\n");
        AtomicInteger checks = new AtomicInteger();
        // The guard runs as the append starts, then before its upload completes: there the other job writes.
        stopped.guardWrites(() -> {
            if (checks.incrementAndGet() == 2) {
                other.appendText("metrics.jsonl", "round 2 by the job that took over\n");
            }
        });
        assertThrows(LockLost.class, () -> stopped.appendText("metrics.jsonl", "round 2 by the stopped job\n"));
        assertEquals("round 1\nround 2 by the job that took over\n", other.readText("metrics.jsonl").orElseThrow());
    }
}
