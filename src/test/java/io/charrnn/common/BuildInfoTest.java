package io.charrnn.common;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The versions a build says it was made with are the ones it runs with (the filtered build.properties). */
class BuildInfoTest {
    @Test
    void theBuildsVersionsAreTheSparkAndScalaOnTheClasspath() {
        Map<String, String> v = BuildInfo.versions();
        assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), v.get("spark_build"), v.toString());
        assertTrue(scala.util.Properties.versionNumberString().startsWith(v.get("scala") + "."), v.toString());
        assertEquals(org.apache.hadoop.util.VersionInfo.getVersion(), v.get("hadoop_build"), v.toString());
        assertTrue(v.get("charrnn").matches("\\d+\\.\\d+\\.\\d+.*"), v.toString());
        // Built from a git checkout (as here), the build knows its commit; "unknown" is for a source copy only.
        String commit = java.nio.file.Files.exists(java.nio.file.Path.of(".git")) ? "[0-9a-f]{12}(\\+changes)?"
                : "unknown";
        assertTrue(v.get("commit").matches(commit), v.toString());
        assertTrue(v.get("jvm").contains(Runtime.version().feature() + ""), v.toString());
    }
}
