package io.charrnn.spark;

import io.charrnn.corpus.CorpusFiles;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.InputChunk;
import io.charrnn.corpus.InputFile;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.common.UserError;
import io.charrnn.common.Uris;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.dataset.PreparedDataset;
import io.charrnn.dataset.ShardReader;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.List;

/**
 * Where training and evaluation get their symbols: raw text, decoded and encoded on the fly (two passes: count,
 * then encode), a table's text column ({@link TableCorpus}, the same two passes), or a prepared dataset, whose shards are read with no pass over the raw text at all.
 */
public abstract class CorpusSource {
    private static final Logger LOG = LoggerFactory.getLogger(CorpusSource.class);

    protected final JavaSparkContext jsc;

    CorpusSource(JavaSparkContext jsc) {
        this.jsc = jsc;
    }

    /** A table if the options read one, else a prepared dataset if the URI holds one, else the raw text it names. */
    public static CorpusSource open(JavaSparkContext jsc, String uri, CorpusOptions options) {
        if (options.table() != null) {
            return new TableCorpus(jsc, uri, options);
        }
        var conf = jsc.hadoopConfiguration();
        return PreparedDataset.openIfPresent(conf, uri).<CorpusSource>map(d -> new Prepared(jsc, d))
                .orElseGet(() -> new Raw(jsc, uri, CorpusFiles.list(conf, uri), options));
    }

    /** The vocabulary the options' policy makes of a corpus's counts; the symbols it maps away are logged. */
    static VocabularyPolicy.Outcome vocabularyOf(io.charrnn.corpus.SymbolCounts counts, CorpusOptions options) {
        VocabularyPolicy.Outcome outcome = options.vocabulary().apply(counts.toMap());
        if (outcome.mappedSymbols() > 0) {
            LOG.info("{} rare symbol(s) ({} occurrences) map to the unknown symbol U+FFFD",
                    outcome.mappedSymbols(), outcome.mappedOccurrences());
        }
        return outcome;
    }

    /** The vocabulary of the corpus (for raw text, after a counting pass and the vocabulary policy). */
    public abstract Vocabulary vocabulary();

    /**
     * The corpus as runs of ids of the {@code target} vocabulary. A symbol without an id of its own there maps to
     * its unknown symbol, or is skipped; each such symbol adds 1 to {@code outside} (null: skipping is an error).
     */
    public abstract JavaRDD<SymbolRun> runs(Broadcast<Vocabulary> target, LongAccumulator outside);

    /** The validation share its split uses. */
    public abstract double valFraction();

    /** What identifies the data: the raw files' fingerprint (names, sizes, times) or the dataset's own. */
    public abstract String fingerprint();

    /** Whether windows cut from it are worth caching: re-reading raw text costs far more than re-reading shards. */
    public abstract boolean cacheWindows();

    /** Raw text: counted once for the vocabulary, then encoded per use. */
    public static final class Raw extends CorpusSource implements CountedCorpus {
        private final String uri;
        private final List<InputFile> files;
        private final CorpusOptions options;
        private final JavaRDD<List<InputChunk>> chunks;
        private VocabularyPolicy.Outcome outcome;
        private long malformedBytes;

        Raw(JavaSparkContext jsc, String uri, List<InputFile> files, CorpusOptions options) {
            super(jsc);
            this.uri = uri;
            this.files = files;
            this.options = options;
            this.chunks = CorpusRdds.chunks(jsc, files, options.partitions());
        }

        public List<InputFile> files() {
            return files;
        }

        @Override
        public String fingerprint() {
            return "files " + CorpusFiles.fingerprint(files);
        }

        @Override
        public String uri() {
            return uri;
        }

        @Override
        public int partitions() {
            return chunks.getNumPartitions();
        }

        @Override
        public String inputsFingerprint() {
            return CorpusFiles.fingerprint(files);
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
        public int splitBlockBytes() {
            return ValidationSplit.BLOCK_BYTES;
        }

        @Override
        public Vocabulary vocabulary() {
            return outcome().vocabulary();
        }

        @Override
        public VocabularyPolicy.Outcome outcome() {
            if (outcome == null) {
                jsc.setJobDescription("charrnn: count the symbols of " + uri);
                CorpusRdds.Count count = CorpusRdds.count(jsc, chunks, options.maxMalformed());
                if (!count.binaryLooking().isEmpty()) {
                    throw io.charrnn.corpus.TextCheck.notText(count.binaryLooking().get(0), options.maxMalformed());
                }
                if (count.counts().total() == 0) {
                    throw new UserError("the corpus holds no characters; check --corpus");
                }
                malformedBytes = count.counts().malformedBytes();
                if (malformedBytes > 0) {
                    LOG.warn("{} bytes of {} are not UTF-8; each became U+FFFD", malformedBytes, uri);
                }
                outcome = vocabularyOf(count.counts(), options);
            }
            return outcome;
        }

        @Override
        public long malformedBytes() {
            outcome();
            return malformedBytes;
        }

        @Override
        public JavaRDD<SymbolRun> runs(Broadcast<Vocabulary> target, LongAccumulator outside) {
            return CorpusRdds.runs(jsc, chunks, target, new ValidationSplit(options.valFraction()), outside);
        }

        @Override
        public double valFraction() {
            return options.valFraction();
        }

        @Override
        public boolean cacheWindows() {
            return true;
        }
    }

    /** A prepared dataset's shard as one task reads it: where it is and the checksum its bytes must have. */
    record ShardFile(String uri, String crc32c) implements java.io.Serializable {
    }

    /** A prepared dataset: one partition per shard. */
    public static final class Prepared extends CorpusSource {
        private final PreparedDataset dataset;

        Prepared(JavaSparkContext jsc, PreparedDataset dataset) {
            super(jsc);
            this.dataset = dataset;
            DatasetManifest m = dataset.manifest();
            LOG.info("prepared dataset {}: {} symbols, {} characters ({} validation) in {} shards, prepared {} from"
                            + " {}, fingerprint {}", dataset.uri(), m.codePoints().length, m.symbols(),
                    m.validationSymbols(), m.shards().size(), m.createdAt(), m.corpus(), m.fingerprint());
        }

        public PreparedDataset dataset() {
            return dataset;
        }

        @Override
        public String fingerprint() {
            return "dataset " + dataset.manifest().fingerprint();
        }

        @Override
        public Vocabulary vocabulary() {
            return dataset.vocabulary();
        }

        @Override
        public JavaRDD<SymbolRun> runs(Broadcast<Vocabulary> target, LongAccumulator outside) {
            List<ShardFile> shards = dataset.manifest().shards().stream()
                    .map(s -> new ShardFile(dataset.shardUri(s.name()), s.crc32c())).toList();
            HadoopConf conf = new HadoopConf(jsc.hadoopConfiguration());
            int[] map = IdMap.between(dataset.vocabulary(), target.value());
            return jsc.parallelize(shards, Math.max(1, shards.size())).mapPartitions(oneShard -> {
                if (!oneShard.hasNext()) {
                    return Collections.emptyIterator();
                }
                ShardFile shard = oneShard.next();
                Path path = new Path(shard.uri());
                ShardReader reader = new ShardReader(path.getFileSystem(conf.get()).open(path),
                        Uris.redacted(path.toString()), shard.crc32c());
                return map == null ? reader : IdMap.apply(reader, map, outside);
            });
        }

        @Override
        public double valFraction() {
            return dataset.manifest().valFraction();
        }

        @Override
        public boolean cacheWindows() {
            return false;
        }
    }
}
