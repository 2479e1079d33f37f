package io.charrnn.spark;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.TextLine;
import io.charrnn.corpus.UserError;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The corpus as RDDs. The text is read by executors straight from the Hadoop filesystem; only the symbol counts
 * come back to the driver.
 */
public final class CorpusRdds {
    private CorpusRdds() {
    }

    /** Lines of every file the URI names (a file, a directory read recursively, or a glob); gzip is decoded. */
    public static JavaRDD<TextLine> lines(JavaSparkContext jsc, String corpusUri) {
        long bytes = sizeOf(jsc.hadoopConfiguration(), corpusUri);
        Configuration conf = new Configuration(jsc.hadoopConfiguration());
        conf.setBoolean("mapreduce.input.fileinputformat.input.dir.recursive", true);
        // At least two splits per task slot, so small corpora still spread over the cluster.
        long perSplit = Math.max(1L << 20, Math.min(128L << 20, bytes / (2L * jsc.defaultParallelism()) + 1));
        conf.setLong("mapreduce.input.fileinputformat.split.maxsize", perSplit);
        JavaNewHadoopRDD<LongWritable, Text> raw = (JavaNewHadoopRDD<LongWritable, Text>)
                jsc.newAPIHadoopFile(corpusUri, TextInputFormat.class, LongWritable.class, Text.class, conf);
        return raw.mapPartitionsWithInputSplit((split, records) -> {
            String file = ((FileSplit) split).getPath().getName();
            return new Iterator<TextLine>() {
                @Override
                public boolean hasNext() {
                    return records.hasNext();
                }

                @Override
                public TextLine next() {
                    var r = records.next();
                    // Hadoop reuses the Text object: decode now. Malformed UTF-8 becomes U+FFFD.
                    return new TextLine(file, r._1().get(), r._2().toString());
                }
            };
        }, true);
    }

    /** Fails with a one-line {@link UserError} unless the URI names at least one non-empty file; returns bytes. */
    public static long sizeOf(Configuration conf, String corpusUri) {
        try {
            Path pattern = new Path(corpusUri);
            FileSystem fs = pattern.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(pattern);
            if (matches == null || matches.length == 0) {
                throw new UserError("corpus not found: " + corpusUri + " (no file or directory matches); "
                        + "check --corpus");
            }
            long bytes = 0;
            for (FileStatus m : matches) {
                bytes += m.isDirectory() ? fs.getContentSummary(m.getPath()).getLength() : m.getLen();
            }
            if (bytes == 0) {
                throw new UserError("corpus is empty: " + corpusUri + " holds no text; check --corpus");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new UserError("not a valid corpus URI: " + corpusUri + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UserError("cannot read corpus " + corpusUri + ": " + e.getMessage());
        }
    }

    /** Counts every code point (plus one newline per line) in a distributed pass. */
    public static Vocabulary countVocabulary(JavaRDD<TextLine> lines) {
        Map<Integer, Long> counts = lines.mapPartitions(it -> List.of(Vocabulary.countSymbols(it)).iterator())
                .reduce((a, b) -> {
                    b.forEach((k, v) -> a.merge(k, v, Long::sum));
                    return a;
                });
        if (counts.isEmpty()) {
            throw new UserError("the corpus holds no characters; check --corpus");
        }
        return Vocabulary.fromCounts(counts);
    }

    /** Cuts and encodes windows on the executors. */
    public static JavaRDD<EncodedWindow> windows(JavaRDD<TextLine> lines, Broadcast<Vocabulary> vocabulary,
                                                 ValidationSplit split, int window) {
        return lines.mapPartitions(it -> new WindowCutter(it, vocabulary.value(), split, window));
    }
}
