package io.charrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * README's table of mistakes and faults stays true: every row names a test that exists, and the part of the message
 * it quotes is in the code that prints it (or, for Spark's and picocli's own lines, in the test that checks it).
 */
class ErrorTableTest {
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @Test
    void everyRowNamesAnExistingTestAndAMessageTheCodePrints() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int from = readme.indexOf("<!-- errors -->");
        int to = readme.indexOf("<!-- /errors -->");
        assertTrue(from >= 0 && to > from, "README lacks the <!-- errors --> table");
        List<String[]> rows = new ArrayList<>();
        for (String line : readme.substring(from, to).lines().toList()) {
            if (line.startsWith("| ") && Character.isDigit(line.charAt(2))) {
                rows.add(line.substring(1, line.length() - 1).split(" \\| "));
            }
        }
        assertTrue(rows.size() >= 25, "at least 25 rows, got " + rows.size());
        String sources = allText(Path.of("src/main/java"), Path.of("submit"));
        for (String[] row : rows) {
            assertEquals(5, row.length, String.join(" | ", row));
            String what = row[0].trim() + " (" + row[1].trim() + ")";
            Matcher quoted = CODE.matcher(row[2]);
            assertTrue(quoted.find(), what + ": no quoted message");
            String fragment = quoted.group(1);
            assertTrue(Set.of("0", "1", "2", "3").contains(row[3].trim()), what + ": exit " + row[3]);
            Matcher test = CODE.matcher(row[4]);
            assertTrue(test.find(), what + ": no test named");
            String[] classAndMethod = test.group(1).split("\\.");
            Path testFile = find(classAndMethod[0] + ".java");
            assertNotNull(testFile, what + ": no test class " + classAndMethod[0]);
            String testSource = Files.readString(testFile);
            assertTrue(testSource.contains("void " + classAndMethod[1] + "("), what + ": no test " + test.group(1));
            assertTrue(sources.contains(fragment) || testSource.contains(fragment),
                    what + ": '" + fragment + "' is neither in the sources nor in " + test.group(1));
        }
    }

    private static Path find(String fileName) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            return files.filter(p -> p.getFileName().toString().equals(fileName)).findFirst().orElse(null);
        }
    }

    private static String allText(Path... roots) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).forEach(p -> {
                    try {
                        text.append(Files.readString(p)).append('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        return text.toString();
    }
}
