package io.charrnn.doctor;

import io.charrnn.doctor.Checks.Finding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each rule of {@code charrnn doctor}: a healthy JVM passes, each fault is named with what to fix. */
class ChecksTest {
    private static final long GB = 1L << 30;
    private static final Checks.Settings LOCAL = new Checks.Settings("local[*]", 1, 0, "4.2.0");
    private static final Checks.Settings YARN = new Checks.Settings("yarn", 1, 5 * GB, "4.2.0");

    private static JvmFacts healthy(String id) {
        return new JvmFacts("host-" + id, id, 17, "17.0.15 (Debian)", List.of(), true, "CpuBackend", "OPENBLAS",
                "1", 1, 2 * GB, 2 * GB, 4 * GB, true, 2);
    }

    private static JvmFacts with(JvmFacts f, boolean vector, String omp, int jdk, long physical, List<String> missing) {
        return new JvmFacts(f.host(), f.executorId(), jdk, jdk + ".0.1", missing, vector, f.nd4jBackend(), f.blas(),
                omp, omp == null ? 2 : Integer.parseInt(omp), f.heapBytes(), f.offHeapBytes(), physical,
                f.offHeapLimitSet(), f.processors());
    }

    private static List<Finding> failed(List<Finding> findings) {
        return findings.stream().filter(f -> !f.ok()).toList();
    }

    @Test
    void aHealthyDriverAndClusterPass() {
        assertEquals(List.of(), failed(Checks.driver(healthy("driver"), LOCAL)));
        assertEquals(List.of(), failed(Checks.executors(List.of(healthy("1"), healthy("2")), YARN)));
    }

    @Test
    void anExecutorOnTheScalarKernelIsNamed() {
        JvmFacts slow = with(healthy("2"), false, "1", 17, 4 * GB, List.of());
        List<Finding> bad = failed(Checks.executors(List.of(healthy("1"), slow), YARN));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).text().contains("2@host-2: scalar LSTM kernel"), bad.toString());
        assertTrue(bad.get(0).text().contains("--add-modules=jdk.incubator.vector"), bad.toString());
    }

    @Test
    void threadsThatDoNotMatchTheTaskCpusAreNamed() {
        List<Finding> bad = failed(Checks.executors(List.of(with(healthy("1"), true, null, 17, 4 * GB, List.of())),
                YARN));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).text().contains("OMP_NUM_THREADS is unset"), bad.toString());
        assertTrue(bad.get(0).text().contains("set OMP_NUM_THREADS=1"), bad.toString());
        assertEquals(1, failed(Checks.driver(with(healthy("d"), true, "2", 17, 4 * GB, List.of()), LOCAL)).size());
    }

    @Test
    void offHeapLimitsAboveTheContainerAreNamedWithTheSettingToRaise() {
        List<Finding> bad = failed(Checks.executors(List.of(with(healthy("1"), true, "1", 17, 7 * GB, List.of())),
                YARN));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).text().contains("raise spark.executor.memoryOverhead to at least 5.0 GB"),
                bad.toString());
        // Standalone and local runs have no container to exceed.
        assertEquals(List.of(), failed(Checks.executors(List.of(with(healthy("1"), true, "1", 17, 7 * GB,
                List.of())), new Checks.Settings("spark://m:7077", 1, 0, "4.2.0"))));
    }

    @Test
    void aDriverWithoutTheFlagsOrOnAnotherJdkIsNamed() {
        List<Finding> bad = failed(Checks.driver(with(healthy("d"), false, "1", 11, 4 * GB,
                List.of("--add-modules=jdk.incubator.vector")), LOCAL));
        assertEquals(3, bad.size(), bad.toString());
        assertTrue(bad.get(0).text().contains("supports JDK 17 and 21"), bad.toString());
        assertTrue(bad.get(1).text().contains("lacks --add-modules=jdk.incubator.vector"), bad.toString());
        assertTrue(bad.get(2).text().contains("scalar LSTM kernel"), bad.toString());
        assertEquals(1, failed(Checks.executors(List.of(), YARN)).size(), "no executor answering is a fault");
    }

    @Test
    void theJdkRuleIsTheBuildLines() {
        // The Spark 4 build: 17 and 21 are fine, as README says; the Spark 3.5 build: 17 only.
        for (int jdk : new int[]{17, 21}) {
            assertEquals(List.of(), failed(Checks.driver(with(healthy("d"), true, "1", jdk, 4 * GB, List.of()),
                    LOCAL)), "JDK " + jdk);
        }
        var spark35 = new Checks.Settings("local[*]", 1, 0, "3.5.7");
        List<Finding> bad = failed(Checks.driver(with(healthy("d"), true, "1", 21, 4 * GB, List.of()), spark35));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).text().contains("the Spark 3.5.7 build supports JDK 17;"), bad.toString());
        List<Finding> executors = failed(Checks.executors(List.of(with(healthy("1"), true, "1", 21, GB, List.of())),
                new Checks.Settings("yarn", 1, 5 * GB, "3.5.7")));
        assertEquals(1, executors.size(), executors.toString());
        assertEquals(List.of(), failed(Checks.executors(List.of(with(healthy("1"), true, "1", 21, GB, List.of())),
                YARN)));
        // Refused outright only where it cannot start.
        assertTrue(Checks.jdkProblem("3.5.7", 25).contains("set JAVA_HOME to a JDK 17"));
        assertNull(Checks.jdkProblem("3.5.7", 17));
        assertNull(Checks.jdkProblem("4.2.0", 25));
    }
}
