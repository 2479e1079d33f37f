package io.charrnn.cli;

import io.charrnn.common.Json;
import io.charrnn.doctor.Checks;
import io.charrnn.doctor.Checks.Finding;
import io.charrnn.doctor.JvmFacts;
import io.charrnn.spark.ExecutorProbe;
import io.charrnn.spark.SparkSetup;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check a machine or cluster before a long job: the JDK and its flags, the LSTM kernel, ND4J's "
                + "backend and threads on the driver and on every executor, memory limits against the executors' "
                + "containers, and write access to --output. Prints one line per check and what to fix; exits 0 "
                + "when all pass, 2 when something needs fixing.")
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "URI",
            description = "A run or dataset directory to check write access to (created and removed again if new).")
    String output;

    @Option(names = "--json", description = "Print one JSON object with every finding and the facts behind them.")
    boolean json;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        SparkConf conf = SparkSetup.configure("charrnn doctor", sparkConf.values);
        Checks.Settings settings = new Checks.Settings(conf.get("spark.master"), conf.getInt("spark.task.cpus", 1),
                SparkSetup.containerMemoryMb(conf) << 20, io.charrnn.common.BuildInfo.versions().get("spark_build"));
        List<Finding> findings = new ArrayList<>();
        JvmFacts driver = JvmFacts.here("driver", SparkSetup.jvmOptions());
        findings.addAll(Checks.driver(driver, settings));
        if (!json) {
            findings.forEach(out::println);
            out.flush();
        }
        List<Finding> later = new ArrayList<>();
        if (output != null) {
            later.add(writable(output, TrainCommand.hadoopConfiguration(conf)));
        }
        java.util.Collection<JvmFacts> executors;
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            executors = ExecutorProbe.executors(jsc);
        }
        later.addAll(Checks.executors(executors, settings));
        findings.addAll(later);
        long toFix = findings.stream().filter(f -> !f.ok()).count();
        if (json) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("master", settings.master());
            report.put("ok", toFix == 0);
            report.put("findings", findings);
            report.put("driver", driver);
            report.put("executors", executors);
            out.println(Json.write(report));
        } else {
            later.forEach(out::println);
            out.println(toFix == 0 ? "charrnn doctor: all checks passed on " + settings.master()
                    : "charrnn doctor: " + toFix + " thing(s) to fix (lines marked FIX)");
        }
        return toFix == 0 ? 0 : Main.USER_ERROR;
    }

    static Finding writable(String uri, org.apache.hadoop.conf.Configuration hadoopConf) {
        try {
            Path dir = new Path(uri);
            FileSystem fs = dir.getFileSystem(hadoopConf);
            if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
                return new Finding(false, "output", uri + " is a file: give a directory");
            }
            // The directories this check creates, deepest first, to remove again (each then empty).
            List<Path> created = new ArrayList<>();
            for (Path p = dir; p != null && !fs.exists(p); p = p.getParent()) {
                created.add(p);
            }
            Path probe = new Path(dir, "_tmp.doctor-" + UUID.randomUUID());
            fs.create(probe, false).close();
            fs.delete(probe, false);
            for (Path p : created) {
                fs.delete(p, false);
            }
            try {
                new io.charrnn.checkpoint.RunDirectory(uri, hadoopConf).checkRunsCanBeKept();
            } catch (io.charrnn.common.UserError e) {
                return new Finding(false, "output", e.getMessage());
            }
            return new Finding(true, "output", uri + " is writable");
        } catch (IOException | RuntimeException e) {
            return new Finding(false, "output", "cannot write to " + uri + " (" + e.getClass().getSimpleName()
                    + ": " + firstLine(e.getMessage()) + "): choose a directory this user may write, or fix its"
                    + " permissions");
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
