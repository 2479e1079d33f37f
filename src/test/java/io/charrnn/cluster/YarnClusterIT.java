package io.charrnn.cluster;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.charrnn.cluster.LocalCluster.HDFS;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The YARN path, end to end: submit/local-cluster.sh brings up HDFS and YARN (ResourceManager and NodeManager
 * processes, physical memory checks on); the cluster jar is spark-submitted in cluster mode (the driver in the
 * ApplicationMaster's container) to train from and checkpoint to HDFS, then in client mode to sample the HDFS
 * checkpoint and to check the executors with doctor, with the containers' memory the job sizes for ND4J. Every
 * step is bounded in time; the cluster, its containers and its files are gone at the end even when a step fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {
    private static LocalCluster cluster;

    /** spark-submit to this YARN, with Spark's jars where the NodeManager (this machine) has them. */
    private static List<String> submit(String deployMode, List<String> options, String... args) {
        List<String> all = new ArrayList<>(List.of("--master", "yarn", "--deploy-mode", deployMode,
                "--conf", "spark.yarn.jars=local:" + cluster.state.resolve("spark-home/jars") + "/*",
                "--conf", "spark.yarn.maxAppAttempts=1", "--num-executors", "2", "--executor-memory", "1g"));
        all.addAll(options);
        return LocalCluster.submit(all, args);
    }

    /** ND4J's limits for the small containers of this machine: the job sizes the executors' overhead from them. */
    private static final List<String> SMALL_EXECUTORS = List.of("--conf",
            "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=1g"
                    + " -Dorg.bytedeco.javacpp.maxphysicalbytes=1500m");

    @BeforeAll
    static void up() throws Exception {
        cluster = LocalCluster.up("yarn");
        try (var out = LocalCluster.hdfs().create(new Path("/corpora/prose.txt"))) {
            out.write(TestCorpora.prose(300_000).getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void down() throws Exception {
        cluster.down();
    }

    @Test
    @Order(1)
    void trainsInClusterModeFromHdfsAndSamplesInClientMode() throws Exception {
        List<String> options = new ArrayList<>(SMALL_EXECUTORS);
        // The driver runs in the ApplicationMaster's container: it needs the JVM flags from the submit line.
        options.addAll(List.of("--conf", "spark.driver.extraJavaOptions="
                + String.join(" ", io.charrnn.spark.SparkSetup.jvmOptions())));
        List<String> trainInClusterMode = submit("cluster", options, "train", "--corpus",
                HDFS + "/corpora/prose.txt", "--output", HDFS + "/runs/yarn", "--hidden", "64", "--window", "200",
                "--batch-size", "16", "--averaging-frequency", "2", "--epochs", "1", "--checkpoint-every", "8",
                "--sample-chars", "0", "--workers", "2");
        LocalCluster.Result train = cluster.runToEnd("yarn-train", 8, trainInClusterMode);
        assertEquals(0, train.exit(), train.output());
        assertTrue(train.output().contains("final status: SUCCEEDED"), train.output());

        RunDirectory run = new RunDirectory(HDFS + "/runs/yarn", new Configuration());
        assertFalse(run.checkpointNames().isEmpty(), "no checkpoint on HDFS");
        for (String name : run.checkpointNames()) {
            assertDoesNotThrow(() -> run.load(name, true), name);
        }
        Checkpoint latest = run.load(run.pointer(RunDirectory.LATEST).orElseThrow(), true);
        assertEquals(1, latest.meta().progress().epoch());
        assertEquals("yarn", latest.meta().provenance().get("master"), latest.meta().provenance().toString());
        assertEquals("2", latest.meta().provenance().get("workers"));

        // The same job again has nothing to do: in cluster mode that is a success too (a nightly job that is
        // done), and the driver does not end the ApplicationMaster before it reports.
        LocalCluster.Result again = cluster.runToEnd("yarn-train-again", 5, trainInClusterMode);
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("final status: SUCCEEDED"), again.output());
        assertEquals(run.checkpointNames(), new RunDirectory(HDFS + "/runs/yarn", new Configuration())
                .checkpointNames(), "nothing was trained");

        LocalCluster.Result sample = cluster.runToEnd("yarn-sample", 4, submit("client", SMALL_EXECUTORS,
                "sample", "--checkpoint", HDFS + "/runs/yarn", "--length", "300", "--prime", "KING", "--seed", "1"));
        assertEquals(0, sample.exit(), sample.output());
        assertTrue(sample.output().contains("KING"), sample.output());
    }

    @Test
    @Order(2)
    void doctorFindsTheContainersSizedForNd4j() throws Exception {
        LocalCluster.Result doctor = cluster.runToEnd("yarn-doctor", 4, submit("client", SMALL_EXECUTORS,
                "doctor", "--output", HDFS + "/runs/doctor-check"));
        assertEquals(0, doctor.exit(), doctor.output());
        assertTrue(doctor.output().contains("2 executor(s)"), doctor.output());
        // 1 GB of heap and ND4J's 1500 MB process limit: the job asked for 476 MB of overhead.
        assertTrue(doctor.output().contains("fits the container's"), doctor.output());
    }

    @Test
    @Order(3)
    void anExecutorOutgrowingItsContainerStopsTheJobWithOneLineNamingTheSetting() throws Exception {
        // 640 MB containers with ND4J's default limit of 4 GB: a 512-wide LSTM's executor outgrows them in its
        // first task, and the NodeManager kills it. Spark's own retries, as a user has them: new containers for the
        // lost executors, a task and a stage four times each, until the job ends on a stage that cannot fetch the
        // killed executors' shuffle output (or, with more executors lost, on a SparkContext shut down). Neither
        // error names memory: the line comes from the kills the job remembered (it said "failed" before).
        List<String> options = List.of("--executor-memory", "512m", "--conf", "spark.executor.memoryOverhead=128m");
        LocalCluster.Result train = cluster.runToEnd("yarn-oom", 6, submit("client", options, "train",
                "--corpus", HDFS + "/corpora/prose.txt", "--output", HDFS + "/runs/oom", "--hidden", "512",
                "--window", "100", "--batch-size", "32", "--epochs", "1", "--sample-chars", "0", "--workers", "2"));
        assertEquals(2, train.exit(), train.output());
        List<String> lines = train.output().strip().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("charrnn: error: executors were killed by YARN for outgrowing their containers (")
                && last.contains("of 640 MB physical memory used): raise spark.executor.memoryOverhead (now 128m)"),
                train.output());
    }
}
