package io.charrnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.checkpoint.JsonLinesLog;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.checkpoint.RunReport;
import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Plot a run's train and validation loss (report.png) and write an HTML page with the plot and"
                + " the latest samples (report.html).")
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "URI", description = "A training run's output directory.")
    String runUri;

    @Option(names = "--output", paramLabel = "URI",
            description = "Directory for report.png and report.html (default: the run directory).")
    String output;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() {
        System.setProperty("java.awt.headless", "true");
        Configuration conf = sparkConf.hadoopConfiguration("charrnn report");
        RunDirectory run = new RunDirectory(runUri, conf);
        if (!run.exists(RunDirectory.METRICS_FILE)) {
            throw new UserError(runUri + " has no " + RunDirectory.METRICS_FILE
                    + "; give the output directory of a training run");
        }
        List<JsonNode> metrics = JsonLinesLog.read(run, RunDirectory.METRICS_FILE);
        List<JsonNode> samples = JsonLinesLog.read(run, RunDirectory.SAMPLES_FILE);
        RunReport report = new RunReport(run.uri(), metrics, samples);
        byte[] png = report.png();
        RunDirectory target = output == null ? run : new RunDirectory(output, conf);
        target.writeAtomically("report.png", png);
        target.writeAtomically("report.html", RunReport.utf8(report.html(png)));
        spec.commandLine().getOut().println(target.uri() + "/report.png");
        spec.commandLine().getOut().println(target.uri() + "/report.html");
        return 0;
    }
}
