package io.charrnn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code charrnn flag-tables --readme README.md}: rewrites README's flag tables from the definitions. */
@Command(name = "flag-tables", hidden = true, mixinStandardHelpOptions = true,
        description = "Rewrite the flag tables of a README (marked <!-- flags NAME -->) from the flag definitions.")
public final class FlagTablesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--readme", required = true, description = "The README to rewrite in place.")
    Path readme;

    @Override
    public Integer call() throws IOException {
        String before = Files.readString(readme, StandardCharsets.UTF_8);
        String after = FlagTables.rewrite(before);
        if (!after.equals(before)) {
            Path temp = readme.resolveSibling("." + readme.getFileName() + ".tmp");
            Files.writeString(temp, after, StandardCharsets.UTF_8);
            Files.move(temp, readme, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        spec.commandLine().getOut().println(after.equals(before) ? readme + ": flag tables up to date"
                : readme + ": flag tables rewritten");
        return 0;
    }
}
