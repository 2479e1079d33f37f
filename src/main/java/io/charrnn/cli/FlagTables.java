package io.charrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README's flag tables, written from the picocli definitions so that the documentation has no copy of a flag or a
 * default to drift. README marks each table with {@code <!-- flags NAME -->} ... {@code <!-- /flags -->};
 * {@code charrnn flag-tables --readme README.md} rewrites them and a test checks that they are current.
 */
final class FlagTables {
    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- flags ([a-z-]+) -->\\n)(.*?)(<!-- /flags -->)", Pattern.DOTALL);
    /** Descriptions end with "(default: X)" where there is one; the table shows X in a column of its own. */
    private static final Pattern DEFAULT = Pattern.compile("\\s*\\(default: (.*)\\)\\.?$", Pattern.DOTALL);
    private static final Set<String> STANDARD = Set.of("--help", "--version");

    private FlagTables() {
    }

    /** Every table README has, by name: a command's own flags, and the flag groups several commands share. */
    static Map<String, List<OptionSpec>> tables(CommandLine cli) {
        Map<String, List<OptionSpec>> tables = new LinkedHashMap<>();
        CommandSpec train = cli.getSubcommands().get("train").getCommandSpec();
        CommandSpec vocabularySpec = train.mixins().get("options").mixins().get("vocabulary");
        List<OptionSpec> table = vocabularySpec.mixins().get("table").options();
        List<OptionSpec> vocabulary = new ArrayList<>(vocabularySpec.options());
        vocabulary.removeAll(table);
        List<OptionSpec> trainOwn = new ArrayList<>();
        for (OptionSpec o : train.options()) {
            if (!vocabulary.contains(o) && !table.contains(o) && !STANDARD.contains(o.longestName())) {
                trainOwn.add(o);
            }
        }
        tables.put("train", trainOwn);
        tables.put("vocabulary", vocabulary);
        tables.put("table", table);
        for (String name : List.of("prepare", "sample", "eval", "score", "inspect", "report", "bench", "doctor")) {
            CommandSpec spec = cli.getSubcommands().get(name).getCommandSpec();
            // The flag groups that have tables of their own (the raw-text and table flags; bench's train flags).
            List<OptionSpec> shared = new ArrayList<>();
            for (CommandSpec mixin : spec.mixins().values()) {
                if (mixin.userObject() instanceof TrainOptions || mixin.userObject() instanceof VocabularyOptions
                        || mixin.userObject() instanceof TableOptions) {
                    shared.addAll(mixin.options());
                }
            }
            List<OptionSpec> own = new ArrayList<>();
            for (OptionSpec o : spec.options()) {
                if (!shared.contains(o) && !STANDARD.contains(o.longestName())) {
                    own.add(o);
                }
            }
            tables.put(name, own);
        }
        return tables;
    }

    static String table(List<OptionSpec> options) {
        StringBuilder md = new StringBuilder("| flag | default | meaning |\n| --- | --- | --- |\n");
        for (OptionSpec o : options) {
            String text = String.join(" ", o.description()).replace("${DEFAULT-VALUE}",
                    String.valueOf(o.defaultValue()));
            String defaultValue = o.defaultValue() == null ? "" : o.defaultValue();
            Matcher m = DEFAULT.matcher(text);
            if (m.find()) {
                defaultValue = m.group(1);
                text = text.substring(0, m.start());
            }
            text = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
            // Only labels that the definitions spell out (URI, TEXT, ...); picocli's own are field names.
            String flag = String.join(", ", o.names())
                    + (o.typeInfo().isBoolean() || o.paramLabel().startsWith("<") ? "" : " " + o.paramLabel());
            md.append("| `").append(flag).append("` | ").append(escape(defaultValue)).append(" | ")
                    .append(escape(text)).append(" |\n");
        }
        return md.toString();
    }

    /** README with every marked table rewritten; an unknown table name is an error. */
    static String rewrite(String readme) {
        Map<String, List<OptionSpec>> tables = tables(new CommandLine(new Main()));
        Matcher m = BLOCK.matcher(readme);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            List<OptionSpec> options = tables.get(m.group(2));
            if (options == null) {
                throw new IllegalArgumentException("README names an unknown flag table: " + m.group(2)
                        + " (known: " + tables.keySet() + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + table(options) + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String escape(String cell) {
        return cell.replace("|", "\\|").replace("\n", " ");
    }
}
