package io.charrnn.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code --conf KEY=VALUE}, shared by the commands that start Spark. */
public final class SparkConfOption {
    /** Spark's own default spark.redaction.regex: settings it hides from its UI and logs (keys, passwords, tokens). */
    static final Pattern SECRET = Pattern.compile("(?i)secret|password|token|access[.]?key");
    /** What Spark puts in place of such a value. */
    static final String REDACTED = "*********(redacted)";

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, as with spark-submit, e.g. --conf spark.master=local[2]. Repeatable.")
    Map<String, String> values = new LinkedHashMap<>();

    /**
     * The Hadoop settings these --conf values give (their spark.hadoop.* entries), for a command that reads files
     * without starting Spark: an HA NameNode or object-store keys reach it as they reach train.
     */
    org.apache.hadoop.conf.Configuration hadoopConfiguration(String appName) {
        return TrainCommand.hadoopConfiguration(io.charrnn.spark.SparkSetup.configure(appName, values));
    }

    /**
     * A copy of {@code conf} to print or store, with the values Spark would redact replaced: those whose key or
     * value matches {@link #SECRET}, as Spark matches both (a password inside spark.driver.extraJavaOptions).
     */
    static Map<String, String> redacted(Map<String, String> conf) {
        Map<String, String> copy = new LinkedHashMap<>();
        conf.forEach((key, value) -> copy.put(key,
                SECRET.matcher(key).find() || (value != null && SECRET.matcher(value).find()) ? REDACTED : value));
        return copy;
    }
}
