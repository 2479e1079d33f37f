package io.charrnn.doctor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What {@code charrnn doctor} concludes from the facts of the driver and the executors: each check passes or says
 * what to fix. Plain Java, so every rule is tested without a cluster.
 */
public final class Checks {
    /**
     * The JDKs a build line supports: the Spark 3.5 build 17 (its Hadoop 3.3 fails on 23 and later), the
     * Spark 4 build 17 and 21 (Spark 4's own list).
     */
    static List<Integer> supportedJdks(String sparkBuild) {
        return sparkBuild.startsWith("3.") ? List.of(17) : List.of(17, 21);
    }

    /**
     * Why this build cannot run on this JDK at all, or null; a JDK that is merely untested is the doctor's to
     * mention, not a reason to refuse. Seen here: the Spark 3.5 build on JDK 25 failed at Spark's start with
     * "getSubject is not supported" (Hadoop 3.3 calls Subject.getSubject, which JDK 23 removed); the Spark 4 build
     * trained on JDK 25.
     */
    public static String jdkProblem(String sparkBuild, int jdkFeature) {
        if (sparkBuild.startsWith("3.") && jdkFeature >= 23) {
            return "the Spark " + sparkBuild + " build needs JDK 17 (its Hadoop 3.3 fails on JDK " + jdkFeature
                    + "): set JAVA_HOME to a JDK 17, or use the Spark 4 build";
        }
        return null;
    }

    /** One line of the report: {@code ok} or not, about {@code subject}. */
    public record Finding(boolean ok, String subject, String text) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-4s %-10s %s", ok ? "ok" : "FIX", subject, text);
        }
    }

    /**
     * The cluster's settings the checks compare with.
     *
     * @param containerMemoryBytes executor memory plus its overhead, where a resource manager (YARN, Kubernetes)
     *                             kills an executor above it; 0 where none is enforced (local, standalone)
     */
    public record Settings(String master, int taskCpus, long containerMemoryBytes, String sparkBuild) {
        boolean local() {
            return master.startsWith("local");
        }
    }

    private Checks() {
    }

    public static List<Finding> driver(JvmFacts d, Settings s) {
        List<Finding> out = new ArrayList<>();
        String where = s.local() ? "driver and local executors" : "driver";
        out.add(jdk("driver", d, s.sparkBuild()));
        out.add(d.missingFlags().isEmpty()
                ? new Finding(true, "driver", "JVM flags: all of conf/jvm-options")
                : new Finding(false, "driver", "the JVM lacks " + String.join(" ", d.missingFlags())
                + " (conf/jvm-options): start it with submit/charrnn or submit/spark-submit, or pass the file's flags"
                + " with --driver-java-options"));
        out.add(kernel(where, List.of(d)));
        if (s.local()) {
            out.add(threads(where, List.of(d), s.taskCpus()));
            out.add(d.offHeapLimitSet()
                    ? new Finding(true, "memory", String.format(Locale.ROOT, "heap %s, ND4J off-heap up to %s, "
                    + "process up to %s", size(d.heapBytes()), size(d.offHeapBytes()), size(d.physicalBytes())))
                    : new Finding(false, "memory", "ND4J's off-heap memory is unbounded by any flag (up to "
                    + size(d.physicalBytes()) + " in all): give -Dorg.bytedeco.javacpp.maxbytes and maxphysicalbytes,"
                    + " as submit/charrnn's CHARRNN_MEMORY does"));
        }
        return out;
    }

    /** Checks of the executors a probe reached; {@code expected} task slots, 0 when unknown. */
    public static List<Finding> executors(Collection<JvmFacts> executors, Settings s) {
        List<Finding> out = new ArrayList<>();
        if (executors.isEmpty()) {
            out.add(new Finding(false, "executors", "no executor answered: check the master URL and that workers "
                    + "have free cores and memory"));
            return out;
        }
        String where = executors.size() + " executor(s) on " + executors.stream().map(JvmFacts::host)
                .collect(Collectors.toCollection(TreeSet::new));
        out.add(new Finding(true, "executors", where));
        List<JvmFacts> wrongJdk = executors.stream()
                .filter(e -> !supportedJdks(s.sparkBuild()).contains(e.jdkFeature())).toList();
        out.add(wrongJdk.isEmpty() ? new Finding(true, "executors", "JDK " + executors.iterator().next().jdkVersion())
                : new Finding(false, "executors", "executors " + ids(wrongJdk) + " run JDK "
                + wrongJdk.get(0).jdkVersion() + ": " + jdkRule(s.sparkBuild())
                + "; set spark.executorEnv.JAVA_HOME to one of them"));
        out.add(kernel("executors", executors));
        out.add(threads("executors", executors, s.taskCpus()));
        if (s.containerMemoryBytes() > 0) {
            List<JvmFacts> over = executors.stream().filter(e -> e.physicalBytes() > s.containerMemoryBytes())
                    .toList();
            out.add(over.isEmpty()
                    ? new Finding(true, "memory", "ND4J's process limit " + size(executors.iterator().next()
                    .physicalBytes()) + " fits the container's " + size(s.containerMemoryBytes()))
                    : new Finding(false, "memory", "executors may grow to " + size(over.get(0).physicalBytes())
                    + " (heap " + size(over.get(0).heapBytes()) + " and ND4J off-heap), over their container's "
                    + size(s.containerMemoryBytes()) + " (spark.executor.memory + spark.executor.memoryOverhead),"
                    + " so the resource manager would kill them: raise spark.executor.memoryOverhead to at least "
                    + size(over.get(0).physicalBytes() - over.get(0).heapBytes()) + ", or lower"
                    + " -Dorg.bytedeco.javacpp.maxphysicalbytes in spark.executor.extraJavaOptions"));
        }
        return out;
    }

    private static Finding jdk(String subject, JvmFacts f, String sparkBuild) {
        return supportedJdks(sparkBuild).contains(f.jdkFeature()) ? new Finding(true, subject, "JDK " + f.jdkVersion())
                : new Finding(false, subject, "JDK " + f.jdkVersion() + ": " + jdkRule(sparkBuild)
                + "; set JAVA_HOME to one of them");
    }

    private static String jdkRule(String sparkBuild) {
        List<Integer> supported = supportedJdks(sparkBuild);
        return "the Spark " + sparkBuild + " build supports JDK " + supported.stream().map(String::valueOf)
                .collect(Collectors.joining(" and "));
    }

    private static Finding kernel(String subject, Collection<JvmFacts> jvms) {
        List<JvmFacts> scalar = jvms.stream().filter(f -> !f.vectorKernel()).toList();
        if (scalar.isEmpty()) {
            return new Finding(true, subject, "vector LSTM kernel, ND4J " + jvms.iterator().next().nd4jBackend()
                    + " with " + jvms.iterator().next().blas());
        }
        return new Finding(false, subject, (jvms.size() == 1 ? "" : ids(scalar) + ": ") + "scalar LSTM kernel"
                + " (~1.6x slower training): the JVM lacks --add-modules=jdk.incubator.vector; charrnn adds"
                + " conf/jvm-options to spark.executor.extraJavaOptions itself, so look for a JVM started with"
                + " other options (a cluster-mode driver: spark.driver.extraJavaOptions)");
    }

    private static Finding threads(String subject, Collection<JvmFacts> jvms, int taskCpus) {
        String want = Integer.toString(taskCpus);
        List<JvmFacts> wrong = jvms.stream().filter(f -> !want.equals(f.ompThreads())).toList();
        if (wrong.isEmpty()) {
            return new Finding(true, subject, "OMP_NUM_THREADS " + want + " = spark.task.cpus");
        }
        JvmFacts w = wrong.get(0);
        return new Finding(false, subject, (jvms.size() == 1 ? "" : ids(wrong) + ": ") + "OMP_NUM_THREADS is "
                + (w.ompThreads() == null ? "unset" : w.ompThreads()) + " (ND4J uses " + w.nd4jThreads()
                + " threads per operation) but spark.task.cpus is " + want + ": oversubscribed cores ran ~3x slower;"
                + " set OMP_NUM_THREADS=" + want + " (submit/charrnn does; on a cluster spark.executorEnv"
                + ".OMP_NUM_THREADS, which charrnn sets unless given)");
    }

    private static String ids(List<JvmFacts> jvms) {
        return jvms.stream().map(f -> f.executorId() + "@" + f.host()).collect(Collectors.joining(", "));
    }

    static String size(long bytes) {
        return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%d MB", bytes >> 20);
    }
}
