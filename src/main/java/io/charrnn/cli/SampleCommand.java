package io.charrnn.cli;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.UserError;
import io.charrnn.model.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a checkpoint and print it to stdout as it is made.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--length", defaultValue = "2000", description = "Characters to generate (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "Below 1 is more conservative, above 1 more surprising (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--prime", defaultValue = "", description = "Text to start from; printed before the sample.")
    String prime;

    @Option(names = "--top-k", defaultValue = "0",
            description = "Draw only among the k most likely characters; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--argmax", description = "Always take the most likely character (char-rnn's -sample 0).")
    boolean argmax;

    @Option(names = "--count", defaultValue = "1",
            description = "Independent samples to print, separated by a '--- sample N ---' line (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", description = "Random seed, for repeatable samples (default: a new one each time).")
    Long seed;

    @Mixin
    SparkConfOption sparkConf;

    @Override
    public Integer call() {
        if (length < 0) {
            throw new UserError("--length must be 0 or more, got " + length);
        }
        if (!(temperature > 0) || temperature > 100 || Double.isNaN(temperature)) {
            throw new UserError("--temperature must be in (0, 100], got " + temperature);
        }
        if (count < 1) {
            throw new UserError("--count must be at least 1, got " + count);
        }
        Sampler.Strategy strategy = new Sampler.Strategy(temperature, topK, argmax);
        Checkpoint ckpt = RunDirectory.resolve(checkpoint.uri, sparkConf.hadoopConfiguration("charrnn sample"), false);
        Sampler sampler = new Sampler(ckpt.network(), ckpt.meta().vocabulary());
        ckpt.meta().vocabulary().encode(prime);
        PrintWriter out = spec.commandLine().getOut();
        long firstSeed = seed != null ? seed : System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (count > 1) {
                out.println("--- sample " + (i + 1) + " ---");
            }
            out.print(prime);
            int[] sinceFlush = {0};
            sampler.sample(prime, length, strategy, firstSeed + i, s -> {
                out.print(s);
                if (++sinceFlush[0] >= 64 || s.equals("\n")) {
                    out.flush();
                    sinceFlush[0] = 0;
                }
            });
            out.println();
            out.flush();
        }
        return 0;
    }
}
