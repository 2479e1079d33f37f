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
 * README's table of mistakes and faults stays true: every row names a test that exists, whose body checks the part
 * of the message the row quotes and the row's exit code; and a message of this project's is in the code that
 * prints it.
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
        String sources = joined(allText(Path.of("src/main/java"), Path.of("submit")));
        List<String> wrong = new ArrayList<>();
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
            String body = joined(withHelpers(testSource, methodBody(testSource, classAndMethod[1])));
            assertNotNull(body, what + ": no test " + test.group(1));
            if (!asserted(body, fragment)) {
                wrong.add(what + ": " + test.group(1) + " does not assert '" + fragment + "'");
            }
            if (!checksExitCode(body, Integer.parseInt(row[3].trim()))) {
                wrong.add(what + ": " + test.group(1) + " does not check exit code " + row[3].trim());
            }
            if (!THEIRS.contains(fragment) && !sources.contains(fragment)) {
                wrong.add(what + ": '" + fragment + "' is not in the sources");
            }
        }
        assertEquals(List.of(), wrong, String.join("\n", wrong));
    }

    @Test
    void aTestThatLooksAtNeitherTheMessageNorTheExitCodeIsCaught() {
        String source = "class T { @Test void checks() { Cli r = run(); assertEquals(Main.FAILURE, r.exitCode());"
                + " if (x) { y(); } } @Test void catchesAnything() { assertThrows(UserError.class, () -> f()); } }";
        assertTrue(checksExitCode(methodBody(source, "checks"), 1));
        assertFalse(checksExitCode(methodBody(source, "checks"), 2));
        assertFalse(checksExitCode(methodBody(source, "catchesAnything"), 2));
        assertFalse(checksExitCode("{ assertFalse(r.isOneLineUserError()); }", 2));
        assertFalse(asserted("{ Cli r = Cli.run(\"--hiden\"); assertEquals(2, r.exitCode()); }", "--hiden"));
        assertTrue(asserted("{ Cli r = Cli.run(\"--hiden\"); assertTrue(r.err().contains(\"--hiden\")); }",
                "--hiden"));
        assertEquals("{ assertThrows(UserError.class, () -> f()); }", methodBody(source, "catchesAnything"));
    }

    /** Quoted lines that Spark, picocli or Hadoop print, not this project's code. */
    private static final Set<String> THEIRS = Set.of("--hiden", "is not an int", "Lost executor");

    /**
     * Whether a test body checks this exit code: through a helper that asserts it, the exit code of a command it
     * ran, or the code {@code Main.report} gives the exception a command would end with ({@code Cli.reported}).
     */
    static boolean checksExitCode(String body, int code) {
        String constant = switch (code) {
            case 0 -> "0";
            case 1 -> "Main.FAILURE";
            case 2 -> "Main.USER_ERROR";
            case 3 -> "Main.NOTHING_TO_DO";
            default -> "none";
        };
        boolean asserted = Pattern.compile("assertEquals\\(((?:[\\w.]+\\.)?" + Pattern.quote(constant) + "|" + code
                + ")\\s*,[^;]*(exitCode\\(\\)|exit\\(\\)|exitValue\\(\\))", Pattern.DOTALL).matcher(body).find();
        boolean helper = code == 2 && (body.contains("assertUserError(")
                || Pattern.compile("assertTrue\\([\\w.]*isOneLineUserError\\(\\)").matcher(body).find());
        return asserted || helper;
    }

    /** Whether the fragment appears inside an assertion's own statement, not just as an argument of a command. */
    static boolean asserted(String body, String fragment) {
        for (int at = body.indexOf(fragment); at >= 0; at = body.indexOf(fragment, at + 1)) {
            int from = Math.max(body.lastIndexOf(';', at), Math.max(body.lastIndexOf('{', at),
                    body.lastIndexOf('}', at))) + 1;
            String statement = body.substring(from, at).strip();
            if (statement.startsWith("assert") && !statement.startsWith("assertFalse")) {
                return true;
            }
        }
        return false;
    }

    /** A body followed by the bodies of the methods of its own class that it calls (one level down). */
    static String withHelpers(String source, String body) {
        if (body == null) {
            return null;
        }
        StringBuilder all = new StringBuilder(body);
        Matcher call = Pattern.compile("\\b([a-z]\\w*)\\(").matcher(body);
        Set<String> seen = new java.util.HashSet<>();
        while (call.find()) {
            String name = call.group(1);
            Matcher declared = Pattern.compile("(?m)^\\s+(?:(?:private|static|public|protected|final)\\s+)*[\\w<>\\[\\], .]+\\s"
                    + name + "\\(").matcher(source);
            while (seen.add(name) && declared.find()) {
                String helper = methodBodyAt(source, declared.end());
                if (helper != null) {
                    all.append('\n').append(helper);
                    break;
                }
                seen.remove(name);
            }
        }
        return all.toString();
    }

    /** Java source with string literals split over lines ("a" + "b") joined, as they print. */
    static String joined(String source) {
        return source == null ? null : source.replaceAll("\"\\s*\\+\\s*\"", "");
    }

    /** The text of a method's body, from its declaration to its closing brace, or null when there is none. */
    static String methodBody(String source, String method) {
        int at = source.indexOf("void " + method + "(");
        return at < 0 ? null : methodBodyAt(source, at);
    }

    private static String methodBodyAt(String source, int at) {
        int open = source.indexOf('{', at);
        int end = source.indexOf(';', at);
        if (open < 0 || (end >= 0 && end < open)) {
            return null; // a statement, not a declaration
        }
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                return source.substring(open, i + 1);
            }
        }
        return null;
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
