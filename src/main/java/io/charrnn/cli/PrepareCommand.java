package io.charrnn.cli;

import io.charrnn.common.Json;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.spark.Preparer;
import io.charrnn.spark.SparkSetup;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

@Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Encode raw text once into a dataset of compact shards (1 or 2 bytes per character) with its "
                + "vocabulary, symbol counts, validation split and a fingerprint of the inputs; train and eval read "
                + "it with no pass over the raw text. Re-running on unchanged inputs reads nothing.")
public final class PrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--corpus", required = true, paramLabel = "URI",
            description = "Raw text: a file, a directory (read recursively) or a glob on any Hadoop filesystem; "
                    + "UTF-8, plain, gzip (.gz) or bzip2 (.bz2).")
    String corpus;

    @Option(names = "--output", required = true, paramLabel = "URI",
            description = "Dataset directory. A dataset there from other inputs or options is replaced once the new "
                    + "one is complete; any other non-empty directory is refused.")
    String output;

    @Option(names = "--val-fraction", defaultValue = "" + TrainOptions.DEFAULT_VAL_FRACTION,
            description = "Share held out for validation, by 16 KiB blocks of each file: the same text whatever the "
                    + "partitioning, and as files grow (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Mixin
    VocabularyOptions vocabulary;

    @Option(names = "--json", description = "Also print one JSON line with the figures (for benchmarks).")
    boolean json;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() {
        var options = vocabulary.toCorpusOptions(valFraction);
        SparkConf conf = SparkSetup.configure("charrnn prepare", sparkConf.values);
        // Before Spark reads anything: an output that cannot be made is the user's to fix, and said in one line.
        var hadoopConf = TrainCommand.hadoopConfiguration(conf);
        TrainCommand.checkOutsideCorpus(corpus, output, hadoopConf, "dataset");
        new io.charrnn.checkpoint.RunDirectory(output, hadoopConf).create("--output");
        long started = System.nanoTime();
        Preparer.Result r;
        long executorRss;
        int slots;
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            jsc.setLogLevel("WARN");
            r = Preparer.prepare(jsc, corpus, output, options);
            slots = jsc.defaultParallelism();
            executorRss = executorPeakRss(jsc);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        DatasetManifest m = r.manifest();
        if (r.upToDate()) {
            spec.commandLine().getErr().println("charrnn: " + output + " is up to date (prepared from the same "
                    + m.inputFiles() + " file(s) with the same options); nothing was read");
        } else {
            spec.commandLine().getErr().println(String.format(Locale.ROOT, "charrnn: prepared %s: %,d characters "
                            + "(%,d validation), %d symbols%s, %,d malformed bytes replaced by U+FFFD; %,d file(s), "
                            + "%.1f MB in %.1f s (%.1f MB/s), %d shards; fingerprint %s", output, m.symbols(),
                    m.validationSymbols(), m.codePoints().length, m.mappedSymbols() > 0 ? String.format(Locale.ROOT,
                            " (%,d rarer ones, %,d occurrences, map to the unknown symbol)", m.mappedSymbols(),
                            m.mappedOccurrences()) : "", m.malformedBytes(), m.inputFiles(), r.bytesRead() / 1e6,
                    seconds, r.bytesRead() / 1e6 / seconds, m.shards().size(), m.fingerprint().substring(0, 16)));
        }
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("up_to_date", r.upToDate());
            line.put("input_bytes", m.inputBytes());
            line.put("seconds", seconds);
            line.put("mb_per_sec", r.bytesRead() / 1e6 / seconds);
            line.put("driver_peak_rss_mb", PeakMemory.peakRssMegabytes());
            line.put("executor_peak_rss_mb", executorRss);
            line.put("driver_max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
            line.put("task_slots", slots);
            line.put("partitions", r.partitions());
            line.put("symbols", m.symbols());
            line.put("vocabulary", m.codePoints().length);
            line.put("malformed_bytes", m.malformedBytes());
            line.put("master", conf.get("spark.master"));
            spec.commandLine().getOut().println(Json.write(line));
        }
        return 0;
    }

    /**
     * The largest peak RSS among the executors, asked of each through a small job of many tasks (in local mode the
     * executors are this JVM).
     */
    private static long executorPeakRss(JavaSparkContext jsc) {
        int tasks = 4 * jsc.defaultParallelism();
        List<Long> peaks = jsc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .map(i -> PeakMemory.peakRssMegabytes()).collect();
        return peaks.stream().mapToLong(Long::longValue).max().orElse(-1);
    }
}
