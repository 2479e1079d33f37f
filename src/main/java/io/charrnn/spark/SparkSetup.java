package io.charrnn.spark;

import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Spark settings for every command. The master and resources come from spark-submit (system properties) or from
 * {@code --conf key=value}; with none given, the job runs on an embedded local Spark with one task per core.
 * The settings ND4J needs on executors are filled in when the user has not set them, flag by flag.
 */
public final class SparkSetup {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSetup.class);
    /** Off-heap limits for ND4J; without them a local run grew to 6 GB RSS (platform notes). */
    static final String JAVACPP_LIMITS =
            "-Dorg.bytedeco.javacpp.maxbytes=2g -Dorg.bytedeco.javacpp.maxphysicalbytes=4g";

    private SparkSetup() {
    }

    /** Refuses, in one line, a JDK this build line cannot start Spark on ({@code Checks.jdkProblem}). */
    static void requireRunnableJdk(String sparkBuild, int jdkFeature) {
        String problem = io.charrnn.doctor.Checks.jdkProblem(sparkBuild, jdkFeature);
        if (problem != null) {
            throw new io.charrnn.common.UserError(problem);
        }
    }

    public static SparkConf configure(String appName, Map<String, String> overrides) {
        requireRunnableJdk(io.charrnn.common.BuildInfo.versions().get("spark_build"), Runtime.version().feature());
        SparkConf conf = new SparkConf();
        overrides.forEach(conf::set);
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        if (DelegatedRound.dl4jAvailable()) {
            // DL4J's master ships INDArrays and DataSets (Spark 3.5 build); this project's loop ships plain arrays.
            conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        }
        addToList(conf, "spark.kryo.registrator", KryoRecords.class.getName());
        addToList(conf, "spark.plugins", TrainingMetricsPlugin.class.getName());
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        // A round's results are the model's state by design: up to 8 sums of parameters and Adam's moments (12 bytes
        // a parameter each) reach the driver, which holds the model anyway. Spark's default 1g refused 2 x 1024
        // with 8 or more workers.
        conf.setIfMissing("spark.driver.maxResultSize", "0");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // ND4J runs 2 OpenMP threads per op by default; with one Spark task per core that oversubscribes the CPU.
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(taskCpus));
        conf.set("spark.executor.extraJavaOptions",
                withRequiredFlags(conf.get("spark.executor.extraJavaOptions", "")));
        long container = containerMemoryMb(conf);
        if (container > 0 && !conf.contains("spark.executor.memoryOverhead")) {
            // Spark's default overhead (10%, at least 384 MB) does not count ND4J's off-heap arrays: the container
            // must hold what ND4J's process limit lets an executor grow to, or YARN kills it.
            long heap = conf.getSizeAsMb("spark.executor.memory", "1g");
            conf.set("spark.executor.memoryOverhead", Math.max(container, executorPhysicalLimitMb(conf)) - heap + "m");
        }
        if (conf.get("spark.master").startsWith("local")) {
            String omp = System.getenv("OMP_NUM_THREADS");
            if (omp == null || !omp.equals(Integer.toString(taskCpus))) {
                LOG.warn("OMP_NUM_THREADS is {} but should be {} (CPUs per Spark task) for full speed; "
                        + "submit/charrnn sets it", omp == null ? "unset" : omp, taskCpus);
            }
        }
        return conf;
    }

    /** Starts Spark with the settings of spark-submit and stops it again, for a job that ended before it. */
    public static void startAndStop() {
        new org.apache.spark.api.java.JavaSparkContext(configure("charrnn", Map.of())).close();
    }

    /**
     * An executor's container on YARN and Kubernetes, which they enforce (heap plus spark.executor.memoryOverhead,
     * Spark's default for the latter where unset), in MB; 0 for other masters, which enforce none.
     */
    public static long containerMemoryMb(SparkConf conf) {
        String master = conf.get("spark.master", "");
        if (!master.startsWith("yarn") && !master.startsWith("k8s")) {
            return 0;
        }
        long heap = conf.getSizeAsMb("spark.executor.memory", "1g");
        long overhead = conf.contains("spark.executor.memoryOverhead")
                ? conf.getSizeAsMb("spark.executor.memoryOverhead", "384")
                : Math.max(conf.getSizeAsMb("spark.executor.minMemoryOverhead", "384"),
                (long) (conf.getDouble("spark.executor.memoryOverheadFactor", 0.1) * heap));
        return heap + overhead;
    }

    /** ND4J's process limit in the executors' options (-Dorg.bytedeco.javacpp.maxphysicalbytes), in MB. */
    static long executorPhysicalLimitMb(SparkConf conf) {
        String key = "-Dorg.bytedeco.javacpp.maxphysicalbytes=";
        String value = "0";
        for (String flag : conf.get("spark.executor.extraJavaOptions", "").trim().split("\\s+")) {
            if (flag.startsWith(key)) {
                value = flag.substring(key.length());
            }
        }
        // JavaCPP reads a bare number as bytes, Spark as MB.
        return value.matches("\\d+") ? Long.parseLong(value) >> 20
                : org.apache.spark.network.util.JavaUtils.byteStringAsMb(value);
    }

    /** Adds a class to a comma-separated list setting, keeping what the user or the cluster already lists. */
    private static void addToList(SparkConf conf, String key, String className) {
        String listed = conf.get(key, "");
        if (!List.of(listed.split("\\s*,\\s*")).contains(className)) {
            conf.set(key, (listed.isBlank() ? "" : listed + ",") + className);
        }
    }

    /**
     * {@code options} with every flag of conf/jvm-options and ND4J's off-heap limits that it lacks. Flag by flag,
     * so that executor options a cluster already has (Spark's own module openings, a user's memory settings) keep
     * their values and still gain the rest: executors without {@code --add-modules=jdk.incubator.vector} train
     * with the scalar LSTM kernel, ~1.6x slower, and without the openings they die at start.
     */
    static String withRequiredFlags(String options) {
        StringBuilder merged = new StringBuilder(options.trim());
        List<String> given = List.of(options.trim().split("\\s+"));
        List<String> required = new ArrayList<>(jvmOptions());
        required.addAll(List.of(JAVACPP_LIMITS.split(" ")));
        for (String flag : required) {
            String key = settingKey(flag);
            if (given.stream().noneMatch(g -> settingKey(g).equals(key))) {
                merged.append(merged.length() == 0 ? "" : " ").append(flag);
            }
        }
        return merged.toString();
    }

    /** What a flag sets: a system property's name, or the whole flag for module and VM flags. */
    private static String settingKey(String flag) {
        int eq = flag.indexOf('=');
        return flag.startsWith("-D") && eq > 0 ? flag.substring(0, eq) : flag;
    }

    /** conf/jvm-options (shipped inside the jar), one flag per element. */
    public static List<String> jvmOptions() {
        try (var in = SparkSetup.class.getResourceAsStream("/io/charrnn/jvm-options")) {
            if (in == null) {
                throw new IllegalStateException("io/charrnn/jvm-options is missing from the jar");
            }
            List<String> flags = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.strip().startsWith("#")) {
                    flags.add(line.strip());
                }
            }
            return flags;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
