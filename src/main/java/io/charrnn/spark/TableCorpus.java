package io.charrnn.spark;

import io.charrnn.common.Sha256;
import io.charrnn.common.UserError;
import io.charrnn.corpus.CorpusFiles;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.InputFile;
import io.charrnn.corpus.RowEncoder;
import io.charrnn.corpus.SymbolCounts;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.TextTable;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A corpus that is a table (see {@link TextTable}): read with Spark SQL on the executors, one document per row,
 * counted once for the vocabulary like raw text, then encoded per use by {@link RowEncoder}.
 */
public final class TableCorpus extends CorpusSource implements CountedCorpus {
    private static final Logger LOG = LoggerFactory.getLogger(TableCorpus.class);

    private final String uri;
    private final CorpusOptions options;
    private final TextTable table;
    private final Dataset<Row> rows;
    private final String fingerprint;
    /** The files read, as one listing at the start: their names, sizes and times (none for an in-memory table). */
    private final List<InputFile> files;
    private VocabularyPolicy.Outcome outcome;
    private Count count;

    /** What the counting pass found. */
    public record Count(SymbolCounts counts, long rows, long nullRows, long emptyRows) implements Serializable {
        Count merge(Count other) {
            return new Count(counts.merge(other.counts), rows + other.rows, nullRows + other.nullRows,
                    emptyRows + other.emptyRows);
        }
    }

    TableCorpus(JavaSparkContext jsc, String uri, CorpusOptions options) {
        this(jsc, uri, options, readPartitioned(jsc, uri, options));
    }

    private TableCorpus(JavaSparkContext jsc, String uri, CorpusOptions options, Read read) {
        super(jsc);
        this.uri = uri;
        this.options = options;
        this.table = options.table();
        this.rows = select(read.data(), uri, table);
        this.files = statuses(jsc, read.data().inputFiles());
        // As the text files' fingerprint: a table rewritten or grown gets another.
        this.fingerprint = read.what() + " files " + CorpusFiles.fingerprint(files);
    }

    /**
     * A DataFrame's column as a corpus (what the spark.ml Estimator fits), read in the DataFrame's own partitions.
     *
     * @param name how messages and the run name the data
     */
    public static TableCorpus of(JavaSparkContext jsc, Dataset<Row> data, String name, CorpusOptions options) {
        return new TableCorpus(jsc, name, options, new Read(data, "dataframe " + name));
    }

    private static Read readPartitioned(JavaSparkContext jsc, String uri, CorpusOptions options) {
        SparkSession spark = SparkSession.builder().config(jsc.getConf()).getOrCreate();
        // Partitions from the data alone (as for text files), so a resumed run cuts the same windows on any cluster.
        spark.conf().set("spark.sql.files.maxPartitionBytes", String.valueOf(32L << 20));
        spark.conf().set("spark.sql.files.minPartitionNum", String.valueOf(Math.max(8, options.partitions())));
        return read(spark, uri, options.table().format());
    }

    /** The rows of a table's text column and its split key, checked as a corpus (the texts are not yet read). */
    public static Dataset<Row> select(Dataset<Row> data, String name, TextTable table) {
        Column text = column(data, name, table.textColumn(), "--text-column");
        StructField field = data.schema().apply(data.schema().fieldIndex(unquoted(data, table.textColumn())));
        if (!(field.dataType() instanceof StringType)) {
            throw new UserError("column " + table.textColumn() + " of " + name + " is "
                    + field.dataType().simpleString() + ", not a string; choose a string column for --text-column,"
                    + " or cast it in a view");
        }
        Column key = table.keyColumn() == null ? functions.lit(null).cast("string")
                : column(data, name, table.keyColumn(), "--key-column").cast("string");
        return data.select(text.as("text"), key.as("key"));
    }

    private static Column column(Dataset<Row> data, String name, String column, String flag) {
        if (unquoted(data, column) == null) {
            throw new UserError(flag + " " + column + ": " + name + " has no such column; its columns are "
                    + String.join(", ", data.columns()));
        }
        String resolved = unquoted(data, column);
        return data.col("`" + resolved.replace("`", "``") + "`");
    }

    /** The schema's own spelling of a column (names match case-insensitively, as Spark SQL's do), or null. */
    private static String unquoted(Dataset<Row> data, String column) {
        return Arrays.stream(data.columns()).filter(c -> c.equals(column)).findFirst()
                .orElse(Arrays.stream(data.columns()).filter(c -> c.equalsIgnoreCase(column)).findFirst()
                        .orElse(null));
    }

    private record Read(Dataset<Row> data, String what) {
    }

    /** A catalog table, or Parquet, ORC or JSON files, as {@code --table-format} names it ({@link TextTable}). */
    public static Dataset<Row> readTable(SparkSession spark, String uri, String format) {
        return read(spark, uri, format).data();
    }

    /** The table a name and format stand for: a catalog table, or files in a format. */
    private static Read read(SparkSession spark, String uri, String format) {
        try {
            if (format.equals("table") || format.equals("auto") && isCatalogTable(spark, uri)) {
                return new Read(spark.table(uri), "table " + uri);
            }
            String files = format.equals("auto") ? formatOfFiles(spark, uri) : format;
            return new Read(spark.read().format(files).load(uri), files + " " + uri);
        } catch (UserError e) {
            throw e;
        } catch (Exception e) { // Spark SQL's AnalysisException (checked in Scala's eyes, so not declared)
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
            throw new UserError("cannot read the table " + uri + ": " + first);
        }
    }

    private static boolean isCatalogTable(SparkSession spark, String name) {
        if (name.contains("/") || name.contains(":")) {
            return false;
        }
        try {
            return spark.catalog().tableExists(name);
        } catch (Exception notATableName) {
            return false;
        }
    }

    /** Parquet, ORC or JSON, from the data files' names under the path; one format only. */
    private static String formatOfFiles(SparkSession spark, String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(path)) {
            throw new UserError("--corpus " + uri + " is neither a catalog table nor a file or directory; check"
                    + " the name, or give --table-format");
        }
        TreeSet<String> formats = new TreeSet<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
        while (it.hasNext()) {
            String name = it.next().getPath().getName().toLowerCase(Locale.ROOT);
            if (name.startsWith("_") || name.startsWith(".")) {
                continue; // _SUCCESS, .crc and the like
            }
            String stem = name.replaceAll("\\.(gz|snappy|zstd|zst|lz4|bz2|deflate)$", "");
            if (stem.endsWith(".parquet")) {
                formats.add("parquet");
            } else if (stem.endsWith(".orc")) {
                formats.add("orc");
            } else if (stem.endsWith(".json") || stem.endsWith(".jsonl") || stem.endsWith(".ndjson")) {
                formats.add("json");
            } else {
                formats.add("unknown (" + name + ")");
            }
        }
        if (formats.size() != 1 || formats.first().startsWith("unknown")) {
            throw new UserError("cannot tell the table format of " + uri + " from its files' names ("
                    + (formats.isEmpty() ? "no files" : String.join(", ", formats)) + "); give --table-format"
                    + " parquet, orc or json");
        }
        return formats.first();
    }

    /** The files Spark SQL reads, in the order of their URIs, each with its size and time. */
    private static List<InputFile> statuses(JavaSparkContext jsc, String[] uris) {
        String[] sorted = uris.clone();
        Arrays.sort(sorted);
        List<InputFile> files = new java.util.ArrayList<>(sorted.length);
        try {
            for (String f : sorted) {
                Path p = new Path(f);
                FileStatus s = p.getFileSystem(jsc.hadoopConfiguration()).getFileStatus(p);
                files.add(new InputFile(f, p.getName(), s.getLen(), s.getModificationTime(), false));
            }
        } catch (IOException e) {
            throw new UserError("cannot read the files of " + String.join(", ", uris) + ": " + e.getMessage());
        }
        return files;
    }

    @Override
    public Vocabulary vocabulary() {
        return outcome().vocabulary();
    }

    @Override
    public VocabularyPolicy.Outcome outcome() {
        if (outcome == null) {
            Count c = count();
            if (c.nullRows() + c.emptyRows() > 0 && !table.skipsEmptyRows()) {
                throw new UserError("column " + table.textColumn() + " of " + uri + " has " + c.nullRows()
                        + " null and " + c.emptyRows() + " empty text(s) in " + c.rows() + " rows; pass"
                        + " --empty-rows skip to leave them out, or filter them in a view");
            }
            if (c.counts().total() == 0) {
                throw new UserError("column " + table.textColumn() + " of " + uri + " holds no text (" + c.rows()
                        + " rows); check --corpus and --text-column");
            }
            if (c.nullRows() + c.emptyRows() > 0) {
                LOG.warn("{} null and {} empty text(s) of {} rows of {} left out (--empty-rows skip)", c.nullRows(),
                        c.emptyRows(), c.rows(), uri);
            }
            outcome = vocabularyOf(c.counts(), options);
        }
        return outcome;
    }

    /** Rows, empty rows and symbols, after one distributed pass (the separators counted with the texts). */
    public Count count() {
        if (count == null) {
            jsc.setJobDescription("charrnn: count the symbols of " + uri);
            String separator = table.separator();
            count = rows.javaRDD().mapPartitions((Iterator<Row> it) -> {
                SymbolCounts counts = new SymbolCounts();
                long all = 0;
                long nulls = 0;
                long empty = 0;
                while (it.hasNext()) {
                    String text = it.next().getString(0);
                    all++;
                    if (text == null) {
                        nulls++;
                    } else if (text.isEmpty()) {
                        empty++;
                    } else {
                        text.codePoints().forEach(counts::add);
                        separator.codePoints().forEach(counts::add);
                    }
                }
                return List.of(new Count(counts, all, nulls, empty)).iterator();
            }).fold(new Count(new SymbolCounts(), 0, 0, 0), Count::merge); // a table of no partitions: no rows
        }
        return count;
    }

    @Override
    public JavaRDD<SymbolRun> runs(Broadcast<Vocabulary> target, LongAccumulator outside) {
        ValidationSplit split = new ValidationSplit(options.valFraction());
        String separator = table.separator();
        return rows.javaRDD().mapPartitions((Iterator<Row> it) -> new RowEncoder(textsAndKeys(it), target.value(),
                split, separator, outside == null ? null : outside::add));
    }

    /** The (text, key) rows of {@link #select} (static: an inner class here would carry the corpus to executors). */
    private static Iterator<RowEncoder.Row> textsAndKeys(Iterator<Row> rows) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public RowEncoder.Row next() {
                Row r = rows.next();
                return new RowEncoder.Row(r.getString(0), r.getString(1));
            }
        };
    }

    @Override
    public double valFraction() {
        return options.valFraction();
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public boolean cacheWindows() {
        return true;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public String inputsFingerprint() {
        return Sha256.of(fingerprint + "\n" + table.flags());
    }

    @Override
    public long inputFiles() {
        return files.size();
    }

    @Override
    public long inputBytes() {
        return CorpusFiles.totalBytes(files);
    }

    @Override
    public long malformedBytes() {
        return 0; // Spark SQL's strings are decoded already
    }

    @Override
    public int partitions() {
        return rows.javaRDD().getNumPartitions();
    }

    @Override
    public int splitBlockBytes() {
        return 0;
    }
}
