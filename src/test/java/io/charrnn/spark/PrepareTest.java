package io.charrnn.spark;

import io.charrnn.MiniHdfs;
import io.charrnn.TestCorpora;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.dataset.PreparedDataset;
import io.charrnn.dataset.ShardReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** prepare on local[2] Spark, on a MiniDFSCluster HDFS and on file:, checked against a single-process read. */
class PrepareTest {
    private static MiniDFSCluster hdfs;
    private static JavaSparkContext jsc;
    private static String hdfsRoot;
    private static String fileRoot;

    @BeforeAll
    static void start() throws Exception {
        hdfs = MiniHdfs.start();
        hdfsRoot = MiniHdfs.uri(hdfs) + "/prepare-test";
        fileRoot = Files.createTempDirectory("charrnn-prepare").toUri().toString();
        SparkConf sparkConf = SparkSetup.configure("prepare-test", Map.of("spark.master", "local[2]",
                "spark.ui.enabled", "false", "spark.hadoop.dfs.replication", "1"));
        jsc = new JavaSparkContext(sparkConf);
        jsc.setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (jsc != null) {
            jsc.close();
        }
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    private static String root(String fs) {
        return fs.equals("hdfs") ? hdfsRoot : fileRoot;
    }

    private static String write(String uri, byte[] bytes) throws IOException {
        Path p = new Path(uri);
        try (FSDataOutputStream out = p.getFileSystem(jsc.hadoopConfiguration()).create(p, true)) {
            out.write(bytes);
        }
        return uri;
    }

    private static CorpusOptions options(int partitions) {
        return new CorpusOptions(VocabularyPolicy.DEFAULT, 0.1, partitions, 0.5, null);
    }

    /** Every run of a dataset, shards in order. */
    private static List<SymbolRun> runs(String dataset) throws IOException {
        PreparedDataset d = PreparedDataset.open(jsc.hadoopConfiguration(), dataset);
        List<SymbolRun> all = new java.util.ArrayList<>();
        for (DatasetManifest.Shard s : d.manifest().shards()) {
            Path p = new Path(d.shardUri(s.name()));
            try (ShardReader r = new ShardReader(p.getFileSystem(jsc.hadoopConfiguration()).open(p), s.name())) {
                r.forEachRemaining(all::add);
            }
        }
        return all;
    }

    /** Code point counts of a dataset's shards, decoded with its vocabulary. */
    private static Map<Integer, Long> decodedCounts(String dataset) throws IOException {
        Vocabulary v = PreparedDataset.open(jsc.hadoopConfiguration(), dataset).vocabulary();
        Map<Integer, Long> counts = new HashMap<>();
        for (SymbolRun r : runs(dataset)) {
            for (int i = 0; i < r.length(); i++) {
                counts.merge(v.codePointOf(r.id(i)), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static String validationText(String dataset) throws IOException {
        Vocabulary v = PreparedDataset.open(jsc.hadoopConfiguration(), dataset).vocabulary();
        StringBuilder sb = new StringBuilder();
        for (SymbolRun r : runs(dataset)) {
            if (r.validation()) {
                for (int i = 0; i < r.length(); i++) {
                    sb.appendCodePoint(v.codePointOf(r.id(i)));
                }
            }
        }
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "hdfs"})
    void multiByteCharactersAcrossSplitBoundariesAreNeitherLostNorDoubled(String fs) throws IOException {
        // 3.5 MB of 1- to 4-byte characters and malformed bytes, cut into 1 MiB chunks: boundaries fall inside
        // code points.
        byte[] bytes = TestCorpora.mixedBytes(1_400_000, 42);
        String corpus = write(root(fs) + "/straddle/mixed.txt", bytes);
        Preparer.Result r = Preparer.prepare(jsc, corpus, root(fs) + "/straddle-ds", options(3));
        assertTrue(r.partitions() >= 3, "read by several tasks: " + r.partitions());
        LocalCorpus single = LocalCorpus.read(jsc.hadoopConfiguration(), corpus, options(1));
        DatasetManifest m = r.manifest();
        assertEquals(single.counts().total(), m.symbols());
        assertEquals(single.counts().toMap(), decodedCounts(root(fs) + "/straddle-ds"));
        assertEquals(single.counts().malformedBytes(), m.malformedBytes());
        assertTrue(m.malformedBytes() > 100_000, "malformed bytes are counted: " + m.malformedBytes());
        assertEquals(single.vocabulary().size(), m.codePoints().length);
    }

    @Test
    void theInProcessReaderCutsTheChunksSparkReads() throws IOException {
        // Over 1.25 MiB: Spark's automatic plan reads it in two chunks, and windows never cross one; the in-process
        // reader (bench --single-process) must hold the same runs, or its workers learn from other windows.
        String corpus = write(root("file") + "/chunks/prose.txt", TestCorpora.prose(1_400_000)
                .getBytes(StandardCharsets.UTF_8));
        CorpusOptions automatic = CorpusOptions.defaults(0.1);
        var source = CorpusSource.open(jsc, corpus, automatic);
        LocalCorpus local = LocalCorpus.read(jsc.hadoopConfiguration(), corpus, automatic);
        assertEquals(source.vocabulary(), local.vocabulary());
        List<SymbolRun> onSpark = source.runs(jsc.broadcast(local.vocabulary()), null).collect();
        assertEquals(onSpark.size(), local.runs().size());
        assertTrue(onSpark.stream().filter(r -> !r.continues()).count() > 1, "more than one chunk");
        for (int i = 0; i < onSpark.size(); i++) {
            SymbolRun a = onSpark.get(i);
            SymbolRun b = local.runs().get(i);
            assertEquals(a.validation() + " " + a.continues() + " " + a.length(),
                    b.validation() + " " + b.continues() + " " + b.length(), "run " + i);
            assertArrayEquals(Arrays.copyOf(a.ids(), a.length()), Arrays.copyOf(b.ids(), b.length()), "run " + i);
        }
        // Binary files are refused in process too.
        String binary = write(root("file") + "/chunks-binary/data.bin", TestCorpora.mixedBytes(200_000, 7));
        UserError e = assertThrows(UserError.class, () -> LocalCorpus.read(jsc.hadoopConfiguration(), binary,
                new CorpusOptions(VocabularyPolicy.DEFAULT, 0.1, 0, 0.01, null)));
        assertTrue(e.getMessage().contains("does not look like UTF-8 text"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "hdfs"})
    void gzipBzip2AndManySmallFilesAreReadWhole(String fs) throws IOException {
        String dir = root(fs) + "/many";
        Map<Integer, Long> expected = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            String text = ("file " + i + ": ünïcödé ☃ 𝄞\n").repeat(50 + i);
            text.codePoints().forEach(cp -> expected.merge(cp, 1L, Long::sum));
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (i % 10 == 3) {
                ByteArrayOutputStream gz = new ByteArrayOutputStream();
                try (OutputStream out = new GZIPOutputStream(gz)) {
                    out.write(bytes);
                }
                write(dir + "/sub/f" + i + ".txt.gz", gz.toByteArray());
            } else if (i % 10 == 7) {
                ByteArrayOutputStream bz = new ByteArrayOutputStream();
                try (OutputStream out = org.apache.hadoop.util.ReflectionUtils.newInstance(org.apache.hadoop.io.compress.BZip2Codec.class, new org.apache.hadoop.conf.Configuration()).createOutputStream(bz)) {
                    out.write(bytes);
                }
                write(dir + "/f" + i + ".bz2", bz.toByteArray());
            } else {
                write(dir + "/f" + i + ".txt", bytes);
            }
        }
        write(dir + "/_SUCCESS", new byte[0]);
        write(dir + "/.hidden.txt", "never read: ☠".getBytes(StandardCharsets.UTF_8));
        DatasetManifest m = Preparer.prepare(jsc, dir, root(fs) + "/many-ds", options(0)).manifest();
        assertEquals(40, m.inputFiles());
        assertEquals(expected, decodedCounts(root(fs) + "/many-ds"));
        assertEquals(0, m.malformedBytes());
        assertFalse(decodedCounts(root(fs) + "/many-ds").containsKey((int) '☠'));
        // A glob over the same files.
        DatasetManifest glob = Preparer.prepare(jsc, dir + "/f1*", root(fs) + "/glob-ds", options(0)).manifest();
        assertEquals(10, glob.inputFiles());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "hdfs"})
    void vocabularyCapsMapRareSymbolsToTheUnknownSymbol(String fs) throws IOException {
        String corpus = write(root(fs) + "/caps/text.txt", ("aaaa bbb cc d " + "xyz".repeat(2) + "é")
                .repeat(10_000).getBytes(StandardCharsets.UTF_8));
        CorpusOptions capped = new CorpusOptions(new VocabularyPolicy(5, 1, VocabularyPolicy.UnknownSymbol.AUTO),
                0.1, 0, 0.5, null);
        DatasetManifest m = Preparer.prepare(jsc, corpus, root(fs) + "/caps-ds", capped).manifest();
        Vocabulary v = m.vocabulary();
        // The 4 most frequent (' ' and a, 40,000 each; b; then c, first of four with 20,000) and U+FFFD.
        assertEquals(5, v.size());
        assertTrue(v.hasUnknown());
        Map<Integer, Long> counts = decodedCounts(root(fs) + "/caps-ds");
        assertEquals(210_000, counts.values().stream().mapToLong(Long::longValue).sum(), "no symbol is dropped");
        assertEquals(210_000, m.symbols());
        assertEquals(m.mappedOccurrences(), counts.get(0xFFFD));
        assertEquals(80_000, m.mappedOccurrences());
        assertEquals(5, m.mappedSymbols()); // d, x, y, z and é share the unknown symbol
        assertEquals(Map.of((int) ' ', 40_000L, (int) 'a', 40_000L, (int) 'b', 30_000L, (int) 'c', 20_000L,
                0xFFFD, 80_000L), counts);
        CorpusOptions never = new CorpusOptions(new VocabularyPolicy(5, 1, VocabularyPolicy.UnknownSymbol.NEVER),
                0.1, 0, 0.5, null);
        UserError e = assertThrows(UserError.class, () -> Preparer.prepare(jsc, corpus, root(fs) + "/never-ds",
                never));
        assertTrue(e.getMessage().contains("--max-vocab 5"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "hdfs"})
    void theSameTextStaysValidationAsTheCorpusGrows(String fs) throws IOException {
        String text = io.charrnn.TestCorpora.prose(400_000);
        String dir = root(fs) + "/grow";
        write(dir + "/a.txt", text.substring(0, 200_000).getBytes(StandardCharsets.UTF_8));
        Preparer.prepare(jsc, dir, root(fs) + "/grow-1", options(0));
        String before = validationText(root(fs) + "/grow-1");
        // The file grows and a second file arrives.
        write(dir + "/a.txt", text.getBytes(StandardCharsets.UTF_8));
        write(dir + "/b.txt", text.substring(100_000).getBytes(StandardCharsets.UTF_8));
        Preparer.Result grown = Preparer.prepare(jsc, dir, root(fs) + "/grow-2", options(7));
        String after = validationText(root(fs) + "/grow-2");
        assertTrue(before.length() > 10_000, "some text is held out: " + before.length());
        assertTrue(after.startsWith(before), "the held-out text of the smaller corpus is still held out first");
        assertTrue(after.length() > 2 * before.length());
        assertFalse(grown.upToDate());
        // Preparing again with nothing changed reads nothing.
        assertTrue(Preparer.prepare(jsc, dir, root(fs) + "/grow-2", options(7)).upToDate());
        // A damaged dataset is not up to date: prepare replaces it.
        String shard = PreparedDataset.open(jsc.hadoopConfiguration(), root(fs) + "/grow-2")
                .shardUri(grown.manifest().shards().get(0).name());
        write(shard, new byte[]{1, 2, 3});
        assertThrows(UserError.class, () -> PreparedDataset.open(jsc.hadoopConfiguration(), root(fs) + "/grow-2"));
        assertFalse(Preparer.prepare(jsc, dir, root(fs) + "/grow-2", options(7)).upToDate());
        assertEquals(after, validationText(root(fs) + "/grow-2"));
    }
}
