package io.charrnn.spark;

import io.charrnn.corpus.ChunkPlan;
import io.charrnn.corpus.ChunkReader;
import io.charrnn.corpus.InputChunk;
import io.charrnn.corpus.InputFile;
import io.charrnn.corpus.RunEncoder;
import io.charrnn.corpus.SymbolCounts;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.TextCheck;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw text as RDDs: executors read their chunks straight from the Hadoop filesystem; only symbol counts (and, for
 * prepare, shard sizes) come back to the driver, whatever the corpus size.
 */
public final class CorpusRdds {
    private CorpusRdds() {
    }

    /** What the counting pass found: the counts and the chunks with too much malformed UTF-8. */
    public record Count(SymbolCounts counts, List<String> binaryLooking) implements Serializable {
    }

    /** One partition per group of chunks of the {@link ChunkPlan}. */
    public static JavaRDD<List<InputChunk>> chunks(JavaSparkContext jsc, List<InputFile> files, int partitions) {
        List<List<InputChunk>> groups = ChunkPlan.planFor(files, partitions);
        return jsc.parallelize(groups, groups.size());
    }

    /** Counts every code point in a distributed pass; notes chunks whose malformed share exceeds the limit. */
    public static Count count(JavaSparkContext jsc, JavaRDD<List<InputChunk>> chunks, double maxMalformed) {
        HadoopConf conf = new HadoopConf(jsc.hadoopConfiguration());
        return chunks.map(group -> {
            SymbolCounts counts = new SymbolCounts();
            List<String> binary = new ArrayList<>();
            for (InputChunk chunk : group) {
                try (ChunkReader reader = new ChunkReader(conf.get(), chunk)) {
                    counts.addAll(reader);
                    String looking = TextCheck.binaryLooking(chunk, reader, maxMalformed);
                    if (looking != null) {
                        binary.add(looking);
                    }
                }
            }
            return new Count(counts, binary);
        }).reduce((a, b) -> {
            a.counts().merge(b.counts());
            List<String> binary = new ArrayList<>(a.binaryLooking());
            binary.addAll(b.binaryLooking());
            return new Count(a.counts(), new ArrayList<>(binary.subList(0, Math.min(10, binary.size()))));
        });
    }

    /** Encodes each partition's chunks into runs of ids of the given vocabulary. */
    public static JavaRDD<SymbolRun> runs(JavaSparkContext jsc, JavaRDD<List<InputChunk>> chunks,
                                          Broadcast<Vocabulary> vocabulary, ValidationSplit split,
                                          LongAccumulator outsideVocabulary) {
        HadoopConf conf = new HadoopConf(jsc.hadoopConfiguration());
        return chunks.mapPartitions(groups -> {
            List<InputChunk> all = new ArrayList<>();
            groups.forEachRemaining(all::addAll);
            return new RunEncoder(all.iterator(), c -> new ChunkReader(conf.get(), c), vocabulary.value(), split,
                    outsideVocabulary == null ? null : outsideVocabulary::add);
        });
    }
}
