package io.charrnn.spark;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The executor flags the job fills in: flag by flag, whatever the cluster already gives. */
class SparkSetupTest {
    private static List<String> executorFlags(Map<String, String> conf) {
        return Arrays.asList(SparkSetup.configure("test", conf).get("spark.executor.extraJavaOptions").split(" "));
    }

    @Test
    void theSpark35BuildRefusesAJdkItsHadoopCannotRunOn() {
        assertTrue(SparkSetup.jdkProblem("3.5.7", 25).contains("set JAVA_HOME to a JDK 17"));
        assertNull(SparkSetup.jdkProblem("3.5.7", 17));
        assertNull(SparkSetup.jdkProblem("4.2.0", 25));
    }

    @Test
    void theJarCarriesConfJvmOptions() throws Exception {
        List<String> file = Files.readAllLines(Path.of("conf", "jvm-options")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals(file, SparkSetup.jvmOptions());
        assertTrue(file.contains("--add-modules=jdk.incubator.vector"));
    }

    @Test
    void executorsConfiguredWithOnlyTheModuleOpeningsStillGetTheVectorModule() {
        // What a spark-defaults.conf with the openings alone (this project's old template) gave executors.
        List<String> flags = executorFlags(Map.of("spark.executor.extraJavaOptions",
                "--add-opens=java.base/java.lang=ALL-UNNAMED -Dorg.bytedeco.javacpp.maxbytes=3g"));
        for (String required : SparkSetup.jvmOptions()) {
            assertTrue(flags.contains(required), required + " missing from " + flags);
        }
        assertEquals(1, flags.stream().filter(f -> f.equals("--add-opens=java.base/java.lang=ALL-UNNAMED")).count());
        // The user's own limit stays, and is not given twice; the one they left out is filled in.
        assertTrue(flags.contains("-Dorg.bytedeco.javacpp.maxbytes=3g"), flags.toString());
        assertEquals(1, flags.stream().filter(f -> f.startsWith("-Dorg.bytedeco.javacpp.maxbytes=")).count());
        assertTrue(flags.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=4g"), flags.toString());
    }

    @Test
    void noExecutorOptionsGetAllOfThem() {
        List<String> flags = executorFlags(Map.of());
        assertTrue(flags.containsAll(SparkSetup.jvmOptions()));
        assertTrue(flags.contains("-Dorg.bytedeco.javacpp.maxbytes=2g"));
        assertEquals(flags.size(), flags.stream().distinct().count(), flags.toString());
    }
}
