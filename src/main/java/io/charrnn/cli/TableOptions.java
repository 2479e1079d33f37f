package io.charrnn.cli;

import io.charrnn.common.UserError;
import io.charrnn.corpus.TextTable;
import picocli.CommandLine.Option;

/** How a corpus that is a table is read; shared by {@code train}, {@code prepare}, {@code eval} and {@code score}. */
public final class TableOptions {
    @Option(names = "--text-column", paramLabel = "COLUMN",
            description = "Read --corpus as a table (a catalog table, or Parquet, ORC or JSON-lines files) whose text is"
                    + " this string column, one document per row (default: none, --corpus is text files).")
    String textColumn;

    @Option(names = "--table-format", defaultValue = TextTable.DEFAULT_FORMAT,
            description = "With --text-column: auto (a catalog table if the name is one, else the files' format from"
                    + " their names), table, parquet, orc or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--key-column", paramLabel = "COLUMN",
            description = "With --text-column: the column whose value decides a row's split, e.g. an id, so that an"
                    + " edited row keeps its side (default: none, rows split by their text).")
    String keyColumn;

    @Option(names = "--row-separator", defaultValue = TextTable.DEFAULT_SEPARATOR,
            description = "With --text-column: the text after each row, learned like a line end; escapes \\n, \\t,"
                    + " \\r, \\\\ and \\uXXXX (default: ${DEFAULT-VALUE}).")
    String separator;

    @Option(names = "--empty-rows", defaultValue = TextTable.FAIL,
            description = "With --text-column: fail on a null or empty text, or skip such rows and count them in the"
                    + " log (default: ${DEFAULT-VALUE}).")
    String emptyRows;

    /** The table reading asked for, or null for text files (then no table flag may be given). */
    TextTable toTextTable() {
        if (textColumn == null) {
            if (keyColumn != null || !TextTable.DEFAULT_FORMAT.equals(format)
                    || !TextTable.DEFAULT_SEPARATOR.equals(separator) || !TextTable.FAIL.equals(emptyRows)) {
                throw new UserError("--key-column, --table-format, --row-separator and --empty-rows read a table;"
                        + " give --text-column too, or drop them");
            }
            return null;
        }
        return new TextTable(textColumn, format.trim().toLowerCase(java.util.Locale.ROOT), keyColumn,
                TextTable.unescape(separator), emptyRows.trim().toLowerCase(java.util.Locale.ROOT));
    }
}
