package io.charrnn.corpus;

import io.charrnn.common.UserError;

import java.io.Serializable;
import java.util.List;

/**
 * A corpus that is a table: a catalog table, or Parquet, ORC or JSON-lines files, whose {@code textColumn} holds one
 * document per row. The documents are read in the table's order, each followed by {@code separator}, which the model
 * learns as it learns the line ends of a text file (the default, a newline, makes a table of lines read as the file
 * of those lines).
 *
 * <p>A row's split is decided by the row alone (its {@code keyColumn}'s value, or without one its text; see
 * {@link ValidationSplit#isValidationRow}), so it holds as the table grows and whatever its files or partitions.
 *
 * @param format    {@code auto} (a catalog table if the name is one, else the files' format from their names),
 *                  {@code table}, {@code parquet}, {@code orc} or {@code json}
 * @param keyColumn null: rows are split by their text
 * @param emptyRows {@code fail}: a null or empty text is an error; {@code skip}: such rows are left out and counted
 */
public record TextTable(String textColumn, String format, String keyColumn, String separator, String emptyRows)
        implements Serializable {
    public static final List<String> FORMATS = List.of("auto", "table", "parquet", "orc", "json");
    public static final String DEFAULT_FORMAT = "auto";
    /** Default of --row-separator, as the flag writes it ({@link #unescape}). */
    public static final String DEFAULT_SEPARATOR = "\\n";
    public static final String FAIL = "fail";
    public static final String SKIP = "skip";

    public TextTable {
        if (textColumn == null || textColumn.isBlank()) {
            throw new UserError("--text-column needs a column name");
        }
        if (!FORMATS.contains(format)) {
            throw new UserError("--table-format must be one of " + String.join(", ", FORMATS) + ", got " + format);
        }
        if (keyColumn != null && keyColumn.isBlank()) {
            throw new UserError("--key-column needs a column name, or leave it out to split rows by their text");
        }
        if (separator == null || separator.isEmpty()) {
            throw new UserError("--row-separator must not be empty: without one the rows run together");
        }
        if (!FAIL.equals(emptyRows) && !SKIP.equals(emptyRows)) {
            throw new UserError("--empty-rows must be " + FAIL + " or " + SKIP + ", got " + emptyRows);
        }
    }

    /** A separator as a flag writes it: {@code \n}, {@code \t}, {@code \r}, {@code \\} and {@code \}{@code uXXXX}. */
    public static String unescape(String flag) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < flag.length(); i++) {
            char c = flag.charAt(i);
            if (c != '\\' || i + 1 == flag.length()) {
                out.append(c);
                continue;
            }
            char e = flag.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '\\' -> out.append('\\');
                case 'u' -> {
                    try {
                        out.append((char) Integer.parseInt(flag.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException | StringIndexOutOfBoundsException bad) {
                        throw new UserError("--row-separator: \\u needs four hex digits, got " + flag);
                    }
                    i += 4;
                }
                default -> throw new UserError("--row-separator: unknown escape \\" + e + " in " + flag
                        + "; use \\n, \\t, \\r, \\\\ or \\uXXXX");
            }
        }
        return out.toString();
    }

    /** This reading as the flags that ask for it, for messages. */
    public String flags() {
        return "--text-column " + textColumn + " --table-format " + format
                + (keyColumn != null ? " --key-column " + keyColumn : "") + " --row-separator " + escape(separator)
                + " --empty-rows " + emptyRows;
    }

    /** The inverse of {@link #unescape}. */
    public static String escape(String separator) {
        StringBuilder out = new StringBuilder();
        for (char c : separator.toCharArray()) {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.toString();
    }

    /** Whether null and empty texts are left out rather than refused. */
    public boolean skipsEmptyRows() {
        return SKIP.equals(emptyRows);
    }
}
