package io.charrnn.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --conf KEY=VALUE}, shared by the commands that start Spark. */
public final class SparkConfOption {
    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, as with spark-submit, e.g. --conf spark.master=local[2]. Repeatable.")
    Map<String, String> values = new LinkedHashMap<>();
}
