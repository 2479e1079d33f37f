package io.charrnn.cli;

import io.charrnn.checkpoint.Json;
import io.charrnn.model.LossMeter;
import io.charrnn.spark.SparkSetup;
import io.charrnn.training.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train for a fixed time and print one JSON line: characters/second, characters per "
                + "CPU-second, peak RSS and validation loss, with the configuration.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainOptions options;

    @Option(names = "--output", paramLabel = "URI",
            description = "Where the run goes (default: a temporary directory, deleted afterwards).")
    String output;

    @Option(names = "--single-process",
            description = "Run the rounds in this one thread without Spark, the corpus read into memory: with one"
                    + " worker (the default here) the single-core baseline for the same model and loop; with"
                    + " --workers N exactly what N averaging workers would learn, one after another.")
    boolean singleProcess;

    @Override
    public Integer call() throws IOException {
        if (options.maxMinutes <= 0) {
            options.maxMinutes = 10;
        }
        Path temp = null;
        String target = output;
        if (target == null) {
            temp = Files.createTempDirectory("charrnn-bench");
            target = temp.resolve("run").toUri().toString();
        }
        long cpuStart = processCpuNanos();
        TrainResult result = TrainCommand.run(options, target, false, output != null, singleProcess);
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        var p = result.progress();
        Map<String, Object> line = measured(p.charsTrained(), p.trainSeconds(), cpuSeconds, p.valLoss());
        line.put("best_val_loss_nats", p.bestValLoss());
        line.put("epochs", p.epochFraction());
        line.put("chars", p.charsTrained());
        line.put("train_seconds", p.trainSeconds());
        line.put("wall_seconds", result.wallSeconds());
        line.put("cpu_seconds", cpuSeconds);
        line.put("cores", Runtime.getRuntime().availableProcessors());
        String master = singleProcess ? "none (single process, one thread)"
                : SparkSetup.configure("charrnn bench", options.sparkConf.values).get("spark.master");
        line.put("master", master);
        // CPU time and RSS are this JVM's: the driver, and in local mode every executor too.
        line.put("cpu_and_rss_cover", singleProcess || master.startsWith("local") ? "driver and executors"
                : "driver only");
        line.put("config", options.toConfig(target));
        line.put("spark_conf", options.sparkConf.values);
        spec.commandLine().getOut().println(Json.write(line));
        if (temp != null) {
            org.apache.commons.io.FileUtils.deleteQuietly(temp.toFile());
        }
        return 0;
    }

    /** The figures every bench line starts with, in this order. */
    private static Map<String, Object> measured(long chars, double trainSeconds, double cpuSeconds, double valLoss) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("chars_per_sec", Math.round(chars / trainSeconds));
        line.put("chars_per_cpu_sec", Math.round(chars / cpuSeconds));
        line.put("peak_rss_mb", PeakMemory.peakRssMegabytes());
        line.put("val_loss_nats", valLoss);
        line.put("val_loss_bits", LossMeter.bits(valLoss));
        return line;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
