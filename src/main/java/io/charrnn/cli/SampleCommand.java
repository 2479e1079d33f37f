package io.charrnn.cli;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.UserError;
import io.charrnn.model.Sampler;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
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

    @Option(names = "--checkpoint", required = true, paramLabel = "URI",
            description = "A ckpt_*.zip file, or a run directory (then its best checkpoint).")
    String checkpoint;

    @Option(names = "--length", defaultValue = "2000", description = "Characters to generate (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "Below 1 is more conservative, above 1 more surprising (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--prime", defaultValue = "", description = "Text to start from; printed before the sample.")
    String prime;

    @Option(names = "--seed", description = "Random seed, for repeatable samples (default: a new one each time).")
    Long seed;

    @Override
    public Integer call() {
        if (length < 0) {
            throw new UserError("--length must be 0 or more, got " + length);
        }
        if (!(temperature > 0) || temperature > 100) {
            throw new UserError("--temperature must be in (0, 100], got " + temperature);
        }
        Checkpoint ckpt = RunDirectory.resolve(checkpoint, new Configuration(), false);
        Sampler sampler = new Sampler(ckpt.network(), ckpt.meta().vocabulary());
        PrintWriter out = spec.commandLine().getOut();
        out.print(prime);
        long actualSeed = seed != null ? seed : System.nanoTime();
        int[] sinceFlush = {0};
        sampler.sample(prime, length, temperature, actualSeed, s -> {
            out.print(s);
            if (++sinceFlush[0] >= 64 || s.equals("\n")) {
                out.flush();
                sinceFlush[0] = 0;
            }
        });
        out.println();
        out.flush();
        return 0;
    }
}
