package io.charrnn.spark;

import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Spark settings for every command. The master and resources come from spark-submit (system properties) or from
 * {@code --conf key=value}; with none given, the job runs on an embedded local Spark with one task per core.
 * The settings DL4J needs on executors are filled in when the user has not set them.
 */
public final class SparkSetup {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSetup.class);
    /** Off-heap limits for ND4J; without them a local run grew to 6 GB RSS (platform notes). */
    static final String JAVACPP_LIMITS =
            "-Dorg.bytedeco.javacpp.maxbytes=2g -Dorg.bytedeco.javacpp.maxphysicalbytes=4g";

    private SparkSetup() {
    }

    public static SparkConf configure(String appName, Map<String, String> overrides) {
        SparkConf conf = new SparkConf();
        overrides.forEach(conf::set);
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        String registrators = conf.get("spark.kryo.registrator");
        if (!registrators.contains(KryoRecords.class.getName())) {
            conf.set("spark.kryo.registrator", registrators + "," + KryoRecords.class.getName());
        }
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // ND4J runs 2 OpenMP threads per op by default; with one Spark task per core that oversubscribes the CPU.
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(taskCpus));
        String executorOptions = conf.get("spark.executor.extraJavaOptions", "");
        if (!executorOptions.contains("javacpp.maxbytes")) {
            executorOptions = executorOptions + " " + JAVACPP_LIMITS;
        }
        if (!executorOptions.contains("--add-opens")) {
            // Executors that a cluster starts on JDK 17 die at start without these (Kryo, ND4J and Spark).
            executorOptions = jdk17Flags() + " " + executorOptions;
        }
        conf.set("spark.executor.extraJavaOptions", executorOptions.trim());
        if (conf.get("spark.master").startsWith("local")) {
            String omp = System.getenv("OMP_NUM_THREADS");
            if (omp == null || !omp.equals(Integer.toString(taskCpus))) {
                LOG.warn("OMP_NUM_THREADS is {} but should be {} (CPUs per Spark task) for full speed; "
                        + "submit/charrnn sets it", omp == null ? "unset" : omp, taskCpus);
            }
        }
        return conf;
    }

    /** conf/jvm-options, shipped inside the jar. */
    static String jdk17Flags() {
        try (var in = SparkSetup.class.getResourceAsStream("/io/charrnn/jvm-options")) {
            if (in == null) {
                throw new IllegalStateException("io/charrnn/jvm-options is missing from the jar");
            }
            StringBuilder flags = new StringBuilder();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    flags.append(line.trim()).append(' ');
                }
            }
            return flags.toString().trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
