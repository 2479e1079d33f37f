package io.charrnn.spark;

import io.charrnn.common.Json;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.CorpusFiles;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.InputFile;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.common.UserError;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.dataset.PreparedDataset;
import io.charrnn.dataset.ShardWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code prepare}: two distributed passes over raw text (count the symbols, then encode and write one shard per
 * partition) and a manifest written last. The shards of a new version go to a directory of their own, and the
 * manifest, replaced in one atomic step (a rename, or on S3 an upload), switches readers to them; only then are older
 * shard directories deleted.
 * A prepare killed at any moment leaves the previous dataset complete and readable.
 */
public final class Preparer {
    private static final Logger LOG = LoggerFactory.getLogger(Preparer.class);

    /** The dataset, whether it was already up to date (nothing read), and how much raw text was read. */
    public record Result(DatasetManifest manifest, boolean upToDate, long bytesRead, int partitions) {
    }

    private Preparer() {
    }

    public static Result prepare(JavaSparkContext jsc, String corpusUri, String outputUri, CorpusOptions options) {
        Configuration conf = jsc.hadoopConfiguration();
        if (PreparedDataset.isDataset(conf, corpusUri)) {
            throw new UserError("--corpus " + corpusUri + " is already a prepared dataset; give the raw text");
        }
        CountedCorpus source = options.table() != null ? new TableCorpus(jsc, corpusUri, options)
                : new CorpusSource.Raw(jsc, corpusUri, CorpusFiles.list(conf, corpusUri), options);
        String inputs = source.inputsFingerprint();
        VocabularyPolicy policy = options.vocabulary();
        Optional<DatasetManifest> existing = readable(conf, outputUri);
        if (existing.isPresent() && existing.get().sameSource(inputs, policy.maxVocab(), policy.minCount(),
                policy.unknown().name(), options.valFraction())) {
            try {
                PreparedDataset.verified(conf, outputUri, existing.get());
                // Current, but a prepare killed after switching the manifest may have left the rest behind.
                PreparedDataset.deleteOtherVersions(conf, outputUri, existing.get().shardsDirectory());
                return new Result(existing.get(), true, 0, existing.get().shards().size());
            } catch (UserError damaged) {
                LOG.warn("{}; preparing it again", damaged.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            if (PreparedDataset.holdsOtherData(conf, outputUri)) {
                throw new UserError("--output " + outputUri + " exists and is not a prepared dataset; choose a new"
                        + " directory (prepare replaces only a dataset it wrote)");
            }
        } catch (IOException e) {
            throw new UserError("cannot read --output " + outputUri + ": " + e.getMessage());
        }
        existing.ifPresent(m -> LOG.info("{} was prepared from other inputs or options; preparing it again",
                outputUri));
        try {
            DatasetManifest manifest = writeVersion(jsc, source, outputUri, options, inputs);
            return new Result(manifest, false, manifest.inputBytes(), source.partitions());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts, encodes and writes a new version of the dataset, and makes it the current one. */
    private static DatasetManifest writeVersion(JavaSparkContext jsc, CountedCorpus raw, String outputUri,
                                                CorpusOptions options, String inputs) throws IOException {
        Configuration conf = jsc.hadoopConfiguration();
        VocabularyPolicy.Outcome outcome = raw.outcome();
        Vocabulary vocabulary = outcome.vocabulary();
        int bytesPerId = vocabulary.size() <= 256 ? 1 : 2;
        Path output = new Path(outputUri);
        String version = PreparedDataset.SHARDS_PREFIX + Instant.now().toString().replaceAll("[^0-9]", "")
                + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path staging = new Path(output, PreparedDataset.STAGING_PREFIX + version);
        FileSystem fs = staging.getFileSystem(conf);
        if (!fs.mkdirs(staging)) {
            throw new UserError("cannot create " + staging + "; check --output and its permissions");
        }
        String stagingUri = staging.toString();
        HadoopConf shipped = new HadoopConf(conf);
        Broadcast<Vocabulary> vocab = jsc.broadcast(vocabulary);
        jsc.setJobDescription("charrnn prepare: encode and write shards");
        List<DatasetManifest.Shard> shards = new ArrayList<>(raw.runs(vocab, null)
                .mapPartitionsWithIndex((index, runs) -> writeShard(shipped.get(), stagingUri, index, runs,
                        bytesPerId), false)
                .collect());
        shards.sort(Comparator.comparing(DatasetManifest.Shard::name));
        long symbols = shards.stream().mapToLong(DatasetManifest.Shard::symbols).sum();
        long validation = shards.stream().mapToLong(DatasetManifest.Shard::validationSymbols).sum();
        VocabularyPolicy policy = options.vocabulary();
        DatasetManifest manifest = new DatasetManifest(DatasetManifest.FORMAT, DatasetManifest.VERSION,
                Instant.now().toString(), options.table() != null ? raw.uri() : qualified(conf, raw.uri()), inputs,
                raw.inputFiles(), raw.inputBytes(), policy.maxVocab(), policy.minCount(), policy.unknown().name(),
                options.valFraction(), raw.splitBlockBytes(), vocabulary.codePoints(), vocabulary.counts(),
                vocabulary.hasUnknown(), outcome.mappedSymbols(), outcome.mappedOccurrences(), symbols, validation,
                raw.malformedBytes(), bytesPerId, version, shards, null, options.table()).withFingerprint();
        if (validation == 0 || validation == symbols) {
            LOG.warn("the {} split of {} is empty: no 16 KiB block or row fell {}; training will refuse it; use a"
                    + " larger corpus or another --val-fraction", validation == 0 ? "validation" : "training",
                    raw.uri(), validation == 0 ? "to validation" : "to training");
        }
        if (!fs.rename(staging, new Path(output, version))) {
            throw new IOException("cannot rename " + staging + " to " + version);
        }
        new RunDirectory(outputUri, conf).writeAtomically(PreparedDataset.MANIFEST,
                Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        PreparedDataset.deleteOtherVersions(conf, outputUri, version);
        return manifest;
    }

    private static String qualified(Configuration conf, String uri) throws IOException {
        Path p = new Path(uri);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    /** The dataset already at the output, if its manifest can be read; a damaged one is simply replaced. */
    private static Optional<DatasetManifest> readable(Configuration conf, String outputUri) {
        try {
            return PreparedDataset.readManifest(conf, outputUri);
        } catch (UserError unreadable) {
            LOG.warn("{}; preparing it again", unreadable.getMessage());
            return Optional.empty();
        }
    }

    /** Writes one partition's runs as a shard (under a per-attempt name, renamed when complete). */
    private static Iterator<DatasetManifest.Shard> writeShard(Configuration conf, String shardsUri, int index,
                                                             Iterator<SymbolRun> runs, int bytesPerId)
            throws IOException {
        String name = PreparedDataset.shardName(index);
        Path target = new Path(shardsUri, name);
        TaskContext task = TaskContext.get();
        Path attempt = new Path(target.getParent(), "." + name + ".attempt-" + (task == null ? 0
                : task.taskAttemptId()));
        FileSystem fs = target.getFileSystem(conf);
        ShardWriter writer = new ShardWriter(fs.create(attempt, true), bytesPerId);
        try (writer) {
            while (runs.hasNext()) {
                writer.write(runs.next());
            }
        }
        if (writer.runs() == 0) {
            fs.delete(attempt, false);
            return List.<DatasetManifest.Shard>of().iterator();
        }
        fs.delete(target, false);
        if (!fs.rename(attempt, target)) {
            throw new IOException("cannot rename " + attempt + " to " + target);
        }
        long bytes = fs.getFileStatus(target).getLen();
        return List.of(new DatasetManifest.Shard(name, bytes, writer.symbols(), writer.validationSymbols(),
                writer.runs(), writer.crc32c())).iterator();
    }
}
