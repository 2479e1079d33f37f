package io.charrnn.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What this build was made with: this project's version and commit, the Spark, Scala, Hadoop and DL4J versions of
 * its build line (pom.xml, filtered into io/charrnn/build.properties), and the JVM that runs it. For provenance: a
 * figure or a model says which code made it.
 */
public final class BuildInfo {
    private static final Map<String, String> VERSIONS = load();

    private BuildInfo() {
    }

    private static Map<String, String> load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/io/charrnn/build.properties")) {
            if (in == null) {
                throw new IllegalStateException("io/charrnn/build.properties is missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("charrnn", p.getProperty("version"));
        versions.put("commit", commit(p.getProperty("commit", ""), p.getProperty("dirty", "")));
        versions.put("spark_build", p.getProperty("spark.version"));
        versions.put("scala", p.getProperty("scala.binary"));
        versions.put("hadoop_build", p.getProperty("hadoop.version"));
        versions.put("dl4j", p.getProperty("dl4j.version"));
        versions.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        return versions;
    }

    /** The commit, "+changes" when the work tree had uncommitted ones; "unknown" for a build outside git. */
    private static String commit(String id, String dirty) {
        if (id.isEmpty() || id.startsWith("${")) {
            return "unknown";
        }
        return "true".equals(dirty) ? id + "+changes" : id;
    }

    /** charrnn, commit, spark_build, scala, hadoop_build, dl4j and jvm, in that order. */
    public static Map<String, String> versions() {
        return VERSIONS;
    }
}
