package io.charrnn.checkpoint;

import io.charrnn.MiniHdfs;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The replace and lock guarantees of the local-disk tests, on a real (in-process) HDFS. */
class HdfsRunDirectoryTest {
    private static MiniDFSCluster hdfs;
    private static String root;

    @BeforeAll
    static void startHdfs() throws Exception {
        hdfs = MiniHdfs.start();
        root = MiniHdfs.uri(hdfs);
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    @Test
    void aReplacedFileIsNeverAbsentNorPartial() throws Exception {
        assertNull(AtomicReplaceTest.watchReplaces(root + "/runs/replaced", hdfs.getConfiguration(0), 40));
    }

    /**
     * WebHDFS reaches the same files, but Hadoop's rename over a file there deletes it first and then renames: a run
     * or dataset written through it could lose a file to a kill, so it is refused in one line.
     */
    @Test
    void aRunThroughWebHdfsIsRefusedInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String output = "webhdfs://127.0.0.1:" + hdfs.getNameNode().getHttpAddress().getPort() + "/runs/web";
        io.charrnn.cli.Cli train = io.charrnn.cli.Cli.run("train", "--corpus",
                io.charrnn.TestCorpora.writeProse(dir, 20_000).toString(), "--output", output, "--hidden", "16",
                "--epochs", "1", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertTrue(train.isOneLineUserError(), train.toString());
        assertEquals(2, train.exitCode());
        assertTrue(train.err().contains("cannot replace a file in one atomic step"), train.toString());
        assertFalse(hdfs.getFileSystem().exists(new Path("/runs/web/run.json")), "the refused run wrote run.json");
    }

    @Test
    void ofManyJobsStartingAtOnceExactlyOneHoldsTheLock() throws Exception {
        Configuration conf = hdfs.getConfiguration(0);
        for (int attempt = 0; attempt < 3; attempt++) {
            assertEquals(1, RunLockTest.holders(root + "/runs/new-" + attempt, conf, 6), "new, attempt " + attempt);
            // A lock of another machine, last renewed 11 minutes ago by the NameNode's clock: stale.
            String stale = "/runs/stale-" + attempt;
            FileSystem fs = hdfs.getFileSystem();
            try (FSDataOutputStream out = fs.create(new Path(stale + "/lock"))) {
                out.write("{\"token\":\"dead\",\"machine\":\"another-machine\",\"pid\":1}".getBytes(
                        StandardCharsets.UTF_8));
            }
            fs.setTimes(new Path(stale + "/lock"), System.currentTimeMillis() - 11 * 60_000, -1);
            assertEquals(1, RunLockTest.holders(root + stale, conf, 6), "stale, attempt " + attempt);
        }
    }
}
