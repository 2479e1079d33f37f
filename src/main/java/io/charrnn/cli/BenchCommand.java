package io.charrnn.cli;

import io.charrnn.checkpoint.Json;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.model.LossMeter;
import io.charrnn.spark.SparkSetup;
import io.charrnn.training.SingleProcessTrainer;
import io.charrnn.training.TrainConfig;
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
            description = "Train in this one thread without Spark (no parameter averaging, no checkpoints): the "
                    + "single-core baseline for the same model code. The corpus is read into memory.")
    boolean singleProcess;

    @Override
    public Integer call() throws IOException {
        if (options.maxMinutes <= 0) {
            options.maxMinutes = 10;
        }
        if (singleProcess) {
            return singleProcess();
        }
        Path temp = null;
        String target = output;
        if (target == null) {
            temp = Files.createTempDirectory("charrnn-bench");
            target = temp.resolve("run").toUri().toString();
        }
        long cpuStart = processCpuNanos();
        TrainResult result = TrainCommand.run(options, target, false, output != null);
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
        String master = SparkSetup.configure("charrnn bench", options.sparkConf.values).get("spark.master");
        line.put("master", master);
        // CPU time and RSS are this JVM's: the driver, and in local mode every executor too.
        line.put("cpu_and_rss_cover", master.startsWith("local") ? "driver and executors" : "driver only");
        line.put("config", options.toConfig(target));
        line.put("spark_conf", options.sparkConf.values);
        spec.commandLine().getOut().println(Json.write(line));
        if (temp != null) {
            org.apache.commons.io.FileUtils.deleteQuietly(temp.toFile());
        }
        return 0;
    }

    private Integer singleProcess() throws IOException {
        TrainConfig config = options.toConfig("none");
        LocalCorpus corpus = LocalCorpus.read(new org.apache.hadoop.conf.Configuration(), options.corpus,
                options.corpusOptions(config.valFraction()));
        long cpuStart = processCpuNanos();
        SingleProcessTrainer.Result r = SingleProcessTrainer.train(config, corpus);
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        Map<String, Object> line = measured(r.charsTrained(), r.trainSeconds(), cpuSeconds, r.valLoss());
        line.put("epochs", r.epochs());
        line.put("chars", r.charsTrained());
        line.put("train_seconds", r.trainSeconds());
        line.put("cpu_seconds", cpuSeconds);
        line.put("cores", Runtime.getRuntime().availableProcessors());
        line.put("master", "none (single process, one training thread)");
        line.put("config", config);
        spec.commandLine().getOut().println(Json.write(line));
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
