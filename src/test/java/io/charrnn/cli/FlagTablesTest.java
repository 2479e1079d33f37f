package io.charrnn.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** README's flag tables are the CLI's definitions: every table current, every flag of every command in one. */
class FlagTablesTest {
    @Test
    void versionIsTheBuildsOwn() {
        Cli version = Cli.run("--version");
        assertEquals(0, version.exitCode(), version.toString());
        var v = io.charrnn.common.BuildInfo.versions();
        assertTrue(version.out().startsWith("charrnn-spark " + v.get("charrnn") + " (" + v.get("commit") + "); Spark "
                + v.get("spark_build")), version.toString());
    }

    @Test
    void readmeTablesAreWrittenFromTheDefinitions() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        assertEquals(FlagTables.rewrite(readme), readme, "README's flag tables differ from the flag definitions: "
                + "run submit/charrnn flag-tables --readme README.md");
        for (String table : FlagTables.tables(new CommandLine(new Main())).keySet()) {
            assertTrue(readme.contains("<!-- flags " + table + " -->"), "README lacks the table " + table);
        }
    }

    @Test
    void everyFlagOfEveryCommandIsInATable() {
        CommandLine cli = new CommandLine(new Main());
        // A flag shared through a mixin (the raw-text flags, bench's train flags) is one definition in several
        // commands: the same names and description.
        Set<String> documented = new HashSet<>();
        FlagTables.tables(cli).values().forEach(options -> options.forEach(o -> documented.add(key(o))));
        for (CommandLine command : cli.getSubcommands().values()) {
            if (command.getCommandSpec().usageMessage().hidden() || command.getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            for (OptionSpec o : command.getCommandSpec().options()) {
                if (!List.of("--help", "--version").contains(o.longestName())) {
                    assertTrue(documented.contains(key(o)), command.getCommandName() + " " + o.longestName()
                            + " is in no README table");
                }
            }
        }
    }

    private static String key(OptionSpec o) {
        return String.join(",", o.names()) + ": " + String.join(" ", o.description());
    }

    @Test
    void aTableShowsTheDefaultInItsOwnColumn() {
        String table = FlagTables.table(FlagTables.tables(new CommandLine(new Main())).get("train"));
        assertTrue(table.contains("| `--hidden` | 128 | LSTM units per layer |"), table);
        assertTrue(table.contains("| `--corpus URI` |  |"), table);
        assertFalse(table.contains("DEFAULT-VALUE"), table);
        assertFalse(table.contains("(default:"), table);
    }
}
