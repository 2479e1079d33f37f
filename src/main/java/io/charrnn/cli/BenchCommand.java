package io.charrnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.common.Json;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.model.LossMeter;
import io.charrnn.model.ProductCeiling;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
            description = "Where the run goes (default: a temporary directory, deleted afterwards); a bench always"
                    + " starts a new run, so a directory that holds one is refused unless --overwrite.")
    String output;

    @Option(names = "--overwrite", description = "Delete the run in --output and bench a new one.")
    boolean overwrite;

    @Option(names = "--single-process",
            description = "Run the rounds in this one thread without Spark, the corpus read into memory: with one"
                    + " worker (the default here) the single-core baseline for the same model and loop; with"
                    + " --workers N exactly what N averaging workers would learn, one after another.")
    boolean singleProcess;

    @Option(names = "--products", paramLabel = "SYMBOLS",
            description = "Instead of training, time the model's matrix products on this thread (OpenBLAS, the"
                    + " layouts the LSTM uses) for an output layer of SYMBOLS symbols, and print their GFLOP/s and"
                    + " the characters/second they alone would allow: this model's ceiling on this machine (--corpus"
                    + " is not read then).")
    Integer products;

    @Override
    public Integer call() throws IOException {
        if (products != null) {
            if (products < 1 || products > io.charrnn.corpus.Vocabulary.MAX_SIZE) {
                throw new io.charrnn.common.UserError("--products takes the number of symbols of the output layer,"
                        + " 1 to " + io.charrnn.corpus.Vocabulary.MAX_SIZE + ", got " + products);
            }
            // The model flags checked as training checks them; the run directory is never made.
            var config = options.toConfig("file:///charrnn-bench-products").withBatchOf(null, 1);
            var model = config.model();
            // One worker's minibatch, as training would take it from these flags.
            int batch = io.charrnn.training.BatchSchedule.of(config, 1, null).perWorker();
            Map<String, Object> line = ProductCeiling.measure(model.layers(), model.hidden(), batch,
                    model.seqLength(), products);
            line.put("versions", io.charrnn.common.BuildInfo.versions());
            spec.commandLine().getOut().println(Json.write(line));
            return 0;
        }
        if (options.maxMinutes <= 0) {
            options.maxMinutes = 10;
        }
        Path temp = null;
        String target = output;
        if (target == null) {
            temp = Files.createTempDirectory("charrnn-bench");
            target = temp.resolve("run").toUri().toString();
        }
        // The run's files are read with the Hadoop settings of --conf, as training writes them.
        var hadoop = options.sparkConf.hadoopConfiguration("charrnn bench");
        if (output != null && !overwrite && new RunDirectory(output, hadoop).holdsRun()) {
            // Resuming would time the rest of an old run; replacing it unasked would delete someone's work.
            throw new io.charrnn.common.UserError("--output " + output + " already holds a training run, and a bench"
                    + " times a new one; give a new directory, or add --overwrite to replace that run");
        }
        long cpuStart = processCpuNanos();
        TrainResult result = TrainCommand.run(options, target, false, overwrite, singleProcess);
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
        List<JsonNode> rounds = JsonLinesLog.read(new RunDirectory(target, hadoop), RunDirectory.METRICS_FILE);
        line.putAll(roundCosts(rounds));
        line.putAll(batchAtEnd(rounds));
        String master = singleProcess ? "none (single process, one thread)"
                : SparkSetup.configure("charrnn bench", options.sparkConf.values).get("spark.master");
        line.put("master", master);
        // CPU time and RSS are this JVM's: the driver, and in local mode every executor too.
        line.put("cpu_and_rss_cover", singleProcess || master.startsWith("local") ? "driver and executors"
                : "driver only");
        // The configuration the run recorded: the flags with what they came to (workers, batch, --adaptive's layout).
        var recorded = result.latestCheckpoint() == null ? null : RunDirectory.load(RunDirectory.resolveUri(target,
                hadoop), hadoop, false).meta().train();
        line.put("config", recorded != null ? recorded : options.toConfig(target));
        var layout = recorded == null ? null : recorded.model().adaptive();
        line.put("adaptive_layers", layout == null ? null : layout.describe(options.hidden));
        // The bench scripts append this line to *.jsonl files, which keep no S3 keys or passwords.
        line.put("spark_conf", SparkConfOption.redacted(options.sparkConf.values));
        line.put("versions", io.charrnn.common.BuildInfo.versions());
        spec.commandLine().getOut().println(Json.write(line));
        if (temp != null) {
            org.apache.commons.io.FileUtils.deleteQuietly(temp.toFile());
        }
        return 0;
    }

    /**
     * Where a round's time goes, from the run's metrics: the median round, the median time of its slowest worker,
     * and the rest (job launch, broadcast, collecting and summing results, the outer step) as the fixed cost. Full
     * rounds only: an epoch's last round is smaller.
     */
    static Map<String, Object> roundCosts(List<JsonNode> lines) {
        List<double[]> all = new ArrayList<>(); // seconds, characters and slowest worker's seconds per round
        double previousSeconds = 0;
        long previousChars = 0;
        for (JsonNode n : lines) {
            if (n.hasNonNull("worker_seconds")) {
                all.add(new double[]{n.path("train_seconds").asDouble() - previousSeconds,
                        n.path("chars").asLong() - previousChars, n.get("worker_seconds").asDouble()});
            }
            previousSeconds = n.path("train_seconds").asDouble();
            previousChars = n.path("chars").asLong();
        }
        double fullChars = all.stream().mapToDouble(r -> r[1]).max().orElse(0);
        List<Double> rounds = new ArrayList<>();
        List<Double> workers = new ArrayList<>();
        for (double[] r : all) {
            if (r[1] == fullChars) {
                rounds.add(r[0]);
                workers.add(r[2]);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (rounds.size() > 1) {
            // The first round also starts the executors' networks and JIT: leave it out.
            rounds = rounds.subList(1, rounds.size());
            workers = workers.subList(1, workers.size());
            double round = median(rounds);
            double work = median(workers);
            m.put("rounds_measured", rounds.size());
            m.put("round_seconds_median", round);
            m.put("worker_seconds_median", work);
            m.put("fixed_seconds_per_round", round - work);
            m.put("fixed_share_of_round", (round - work) / round);
        }
        return m;
    }

    /** The batch of the run's last round: windows per step, each worker's share, the noise scale then. */
    static Map<String, Object> batchAtEnd(List<JsonNode> lines) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonNode n : lines) {
            if (n.hasNonNull("worker_batch")) {
                m.put("windows_per_step", n.get("windows_per_step").asInt());
                m.put("worker_batch", n.get("worker_batch").asInt());
                m.put("noise_scale", n.hasNonNull("noise_scale") ? n.get("noise_scale").asDouble() : null);
            }
        }
        return m;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
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
