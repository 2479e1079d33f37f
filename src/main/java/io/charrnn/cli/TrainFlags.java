package io.charrnn.cli;

import io.charrnn.common.UserError;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.training.RoundRunner;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.TrainResult;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@code train}'s flags as data, for the {@code spark.ml} Estimator: its params are these flags (the same
 * definitions, defaults and descriptions), and a fit is {@code train} given them, checked the same way.
 */
public final class TrainFlags {
    /** Flags that the Estimator's input or session stands for: the DataFrame is the corpus, the session Spark. */
    private static final Set<String> NOT_PARAMS = Set.of("--corpus", "--conf", "--table-format", "--partitions",
            "--max-malformed", "--text-column", "--help", "--version");

    /**
     * A flag as an Estimator param.
     *
     * @param param        the flag's name in camel case ({@code --seq-length}: {@code seqLength})
     * @param type         int, long, double, boolean or string (enums, numbers that may be unset, words like auto)
     * @param defaultValue as the flag writes it; null where the flag has none
     */
    public record Flag(String name, String param, String type, String defaultValue, String description) {
    }

    private TrainFlags() {
    }

    /** Every train flag that is an Estimator param, in the order {@code train --help} lists them. */
    public static List<Flag> params() {
        List<Flag> flags = new ArrayList<>();
        for (OptionSpec o : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
            String name = o.longestName();
            if (NOT_PARAMS.contains(name)) {
                continue;
            }
            Class<?> t = o.type();
            String type = t == int.class ? "int" : t == long.class ? "long" : t == double.class ? "double"
                    : t == boolean.class ? "boolean" : "string";
            String text = String.join(" ", o.description()).replace("${DEFAULT-VALUE}",
                    String.valueOf(o.defaultValue()));
            flags.add(new Flag(name, camel(name), type, o.defaultValue(), text));
        }
        return flags;
    }

    static String camel(String flag) {
        StringBuilder out = new StringBuilder();
        boolean up = false;
        for (char c : flag.substring(2).toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                out.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return out.toString();
    }

    /**
     * Trains as {@code train} would with these flags (a corpus named {@code corpusName}, read by the runner
     * {@code runners} makes), after the same checks; a flag that does not parse is a {@link UserError}.
     */
    public static TrainResult fit(List<String> flags, String corpusName, Configuration hadoopConf,
                                  BiFunction<TrainConfig, CorpusOptions, RoundRunner> runners) {
        TrainCommand command = new TrainCommand();
        List<String> args = new ArrayList<>(flags);
        args.addAll(List.of("--corpus", corpusName));
        try {
            new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UserError("params: " + e.getMessage());
        }
        TrainConfig config = command.options.toConfig(command.output);
        return TrainCommand.train(command.options, config, command.resume, command.overwrite, hadoopConf, runners);
    }
}
