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
        var e = assertThrows(io.charrnn.common.UserError.class, () -> SparkSetup.requireRunnableJdk("3.5.7", 25));
        io.charrnn.cli.Cli seen = io.charrnn.cli.Cli.reported(e);
        assertEquals(io.charrnn.cli.Main.USER_ERROR, seen.exitCode(), seen.toString());
        assertTrue(seen.err().contains("set JAVA_HOME to a JDK 17"), seen.err());
        SparkSetup.requireRunnableJdk("3.5.7", 17);
        SparkSetup.requireRunnableJdk("4.2.0", 25);
    }

    @Test
    void onYarnAndKubernetesTheExecutorsContainerHoldsNd4jsProcessLimit() {
        // Defaults: ND4J may grow to 4 GB, a 1 GB heap leaves 3 GB for the overhead.
        var yarn = SparkSetup.configure("test", Map.of("spark.master", "yarn"));
        assertEquals("3072m", yarn.get("spark.executor.memoryOverhead"));
        assertEquals(4096, SparkSetup.containerMemoryMb(yarn));
        var k8s = SparkSetup.configure("test", Map.of("spark.master", "k8s://https://api:6443",
                "spark.executor.memory", "2g", "spark.executor.extraJavaOptions",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=3000m"));
        assertEquals("952m", k8s.get("spark.executor.memoryOverhead"));
        // A limit below the heap still gets Spark's own default overhead (10%, at least 384 MB); bare numbers
        // are bytes to JavaCPP.
        var small = SparkSetup.configure("test", Map.of("spark.master", "yarn", "spark.executor.memory", "8g",
                "spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + (1L << 30)));
        assertEquals(1024, SparkSetup.executorPhysicalLimitMb(small));
        assertEquals("819m", small.get("spark.executor.memoryOverhead"));
        // What the user sets stays; other masters enforce no container.
        var given = SparkSetup.configure("test", Map.of("spark.master", "yarn",
                "spark.executor.memoryOverhead", "512m"));
        assertEquals("512m", given.get("spark.executor.memoryOverhead"));
        assertEquals(1536, SparkSetup.containerMemoryMb(given));
        var local = SparkSetup.configure("test", Map.of("spark.master", "local[2]"));
        assertFalse(local.contains("spark.executor.memoryOverhead"));
        assertEquals(0, SparkSetup.containerMemoryMb(local));
    }

    @Test
    void theJobAddsItsMetricsPluginBesideTheUsersPlugins() {
        var conf = SparkSetup.configure("test", Map.of("spark.plugins", "com.example.Plugin"));
        assertEquals("com.example.Plugin," + TrainingMetricsPlugin.class.getName(), conf.get("spark.plugins"));
        var again = SparkSetup.configure("test", Map.of("spark.plugins", TrainingMetricsPlugin.class.getName()));
        assertEquals(TrainingMetricsPlugin.class.getName(), again.get("spark.plugins"));
    }

    @Test
    void theDriverTakesARoundsResultsWhateverTheModelsSizeUnlessTheUserSetsALimit() {
        // Up to 8 results of 12 bytes a parameter: 2 x 1024 (12.9 M parameters) is 1.2 GB, over Spark's 1g default.
        assertEquals("0", SparkSetup.configure("test", Map.of()).get("spark.driver.maxResultSize"));
        assertEquals("2g", SparkSetup.configure("test", Map.of("spark.driver.maxResultSize", "2g"))
                .get("spark.driver.maxResultSize"));
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
