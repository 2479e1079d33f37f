package io.charrnn.spark;

import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;

/**
 * A corpus read from its source (text files or a table), counted once for its vocabulary: what {@code prepare}
 * encodes into shards and describes in the dataset's manifest.
 */
interface CountedCorpus {
    String uri();

    /** The vocabulary and what the policy mapped to the unknown symbol, after one counting pass. */
    VocabularyPolicy.Outcome outcome();

    JavaRDD<SymbolRun> runs(Broadcast<Vocabulary> target, LongAccumulator outside);

    /** What identifies the inputs and the way they are read: another fingerprint, another dataset. */
    String inputsFingerprint();

    long inputFiles();

    long inputBytes();

    long malformedBytes();

    int partitions();

    /** The split's block size in bytes; 0 where rows are split one by one. */
    int splitBlockBytes();
}
