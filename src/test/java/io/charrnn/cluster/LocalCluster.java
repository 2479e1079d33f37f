package io.charrnn.cluster;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A cluster of submit/local-cluster.sh (HDFS with Spark standalone or YARN) for the cluster tests: brought up in
 * a directory of its own, its scripts run with bounded time, and taken down with a check that none of its
 * processes (daemons, executors, containers) outlives it.
 */
final class LocalCluster {
    static final String HDFS = "hdfs://127.0.0.1:9000";
    /** The build under test (target/, or target/spark-3.5 for the Spark 3.5 build): its cluster jar is submitted. */
    static final String BUILD = System.getProperty("charrnn.build.dir", "target");
    static final String CLUSTER_JAR = BUILD + "/charrnn-spark-cluster.jar";

    record Result(int exit, String output) {
    }

    final Path state;
    final Path logs;

    private LocalCluster(Path state, Path logs) {
        this.state = state;
        this.logs = logs;
    }

    /** Brings up HDFS and {@code manager} (standalone or yarn) in the directory the build names, or a new one. */
    static LocalCluster up(String manager) throws Exception {
        // A directory named by the build (pom.xml), so that .ci/run can take this cluster down by its PID files
        // should Maven itself be killed.
        String dir = System.getProperty("charrnn.cluster.dir");
        Path state = dir == null ? Files.createTempDirectory("charrnn-cluster") : Path.of(dir);
        assertFalse(Files.exists(state), "a cluster's files are still in " + state
                + ": take it down with CHARRNN_CLUSTER_DIR=" + state + " submit/local-cluster.sh down");
        LocalCluster cluster = new LocalCluster(state, Files.createDirectories(Path.of(BUILD, "cluster-it-logs")));
        Result up = cluster.runToEnd("local-cluster-up-" + manager, 6,
                List.of("bash", "submit/local-cluster.sh", "up", manager));
        assertEquals(0, up.exit(), "the local cluster did not come up:\n" + up.output());
        return cluster;
    }

    ProcessBuilder script(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("CHARRNN_CLUSTER_DIR", state.toString());
        pb.environment().put("HADOOP_CONF_DIR", state.resolve("hadoop-conf").toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb;
    }

    Result runToEnd(String name, long minutes, List<String> command) throws Exception {
        Path log = logs.resolve(name + ".log");
        Process p = script(command).redirectOutput(log.toFile()).start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(name + " hung for " + minutes + " minutes; log: " + tail(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }

    static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** submit/spark-submit with {@code options} (over the tests' defaults), then the cluster jar and {@code args}. */
    static List<String> submit(List<String> options, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "submit/spark-submit"));
        // The defaults first: spark-submit keeps a key's last --conf, so a test's options override them.
        command.addAll(List.of("--conf", "spark.hadoop.dfs.replication=1", "--conf", "spark.ui.enabled=false"));
        command.addAll(options);
        command.addAll(List.of("--class", "io.charrnn.cli.Main", CLUSTER_JAR));
        command.addAll(Arrays.asList(args));
        return command;
    }

    static FileSystem hdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set("dfs.replication", "1");
        return FileSystem.get(URI.create(HDFS), conf);
    }

    /** Takes the cluster down; fails when its files or any of its processes remain. */
    void down() throws Exception {
        Result down = runToEnd("local-cluster-down", 2, List.of("bash", "submit/local-cluster.sh", "down"));
        assertEquals(0, down.exit(), down.output());
        assertFalse(Files.exists(state), "the cluster's files were not deleted");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<String> left;
        do {
            Thread.sleep(200);
            left = ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                    .map(p -> p.info().commandLine().orElse(""))
                    // A daemon's, executor's or container's command line names a path inside the cluster's
                    // directory (its classpath, Spark home or work directory); Maven's own only names the directory.
                    .filter(c -> c.contains(state + "/")).toList();
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        assertEquals(List.of(), left, "processes of the cluster outlived local-cluster.sh down");
    }
}
