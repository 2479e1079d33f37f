package io.charrnn.checkpoint;

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
        assertTrue(v.get("jvm").contains(Runtime.version().feature() + ""), v.toString());
    }
}
