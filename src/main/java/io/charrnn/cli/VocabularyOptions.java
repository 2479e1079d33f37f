package io.charrnn.cli;

import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.VocabularyPolicy;
import io.charrnn.corpus.TextTable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How raw text is read and which symbols get ids; shared by {@code prepare}, {@code train} and {@code bench}. */
public final class VocabularyOptions {
    // No picocli defaults for the vocabulary flags: null tells that a flag was not given, which matters for a
    // prepared dataset, whose vocabulary is fixed.
    @Option(names = "--max-vocab",
            description = "At most this many symbols, the unknown symbol included; rarer ones map to the unknown "
                    + "symbol (default: " + Vocabulary.MAX_SIZE + ").")
    Integer maxVocab;

    @Option(names = "--min-count",
            description = "Symbols seen fewer times map to the unknown symbol (default: 1).")
    Long minCount;

    @Option(names = "--unknown-symbol",
            description = "When the vocabulary has the unknown symbol U+FFFD: auto (when --max-vocab or --min-count "
                    + "map some symbol to it), always (so that new symbols of a grown corpus map to it when a run "
                    + "continues), never (a symbol that would map to it is an error) (default: auto).")
    VocabularyPolicy.UnknownSymbol unknownSymbol;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Spark partitions for reading raw text; 0 = from the data size alone (about 32 MiB each, at "
                    + "least 8), so that a resumed run reads the same windows on any cluster "
                    + "(default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--max-malformed", defaultValue = "" + CorpusOptions.DEFAULT_MAX_MALFORMED,
            description = "Largest share of a file's bytes that may be malformed UTF-8 (each becomes U+FFFD and is "
                    + "counted); a file above it is taken for binary and refused (default: ${DEFAULT-VALUE}).")
    double maxMalformed;

    @Mixin
    TableOptions table;

    CorpusOptions toCorpusOptions(double valFraction) {
        VocabularyPolicy d = VocabularyPolicy.DEFAULT;
        return new CorpusOptions(new VocabularyPolicy(maxVocab != null ? maxVocab : d.maxVocab(),
                minCount != null ? minCount : d.minCount(), unknownSymbol != null ? unknownSymbol : d.unknown()),
                valFraction, partitions, maxMalformed, table());
    }

    /** The table reading asked for, or null when the corpus is text files. */
    TextTable table() {
        return table.toTextTable();
    }

    /** The vocabulary flags given on the command line, which a prepared dataset cannot honour. */
    java.util.List<String> givenVocabularyFlags() {
        java.util.List<String> given = new java.util.ArrayList<>();
        if (maxVocab != null) {
            given.add("--max-vocab");
        }
        if (minCount != null) {
            given.add("--min-count");
        }
        if (unknownSymbol != null) {
            given.add("--unknown-symbol");
        }
        return given;
    }
}
