package io.charrnn.dataset;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.charrnn.common.Json;
import io.charrnn.common.Uris;
import io.charrnn.common.Sha256;
import io.charrnn.corpus.Vocabulary;

import java.util.List;

/**
 * {@code dataset.json}: everything a prepared dataset holds besides its shards. Written last, so a dataset is
 * complete exactly when it has one; its {@code fingerprint} covers every other field, the shards' sizes included.
 *
 * @param inputsFingerprint SHA-256 of the input files' names, lengths and modification times
 * @param withUnknown       whether U+FFFD stands for every symbol outside the vocabulary
 * @param mappedSymbols     distinct symbols of the corpus that map to the unknown symbol
 * @param mappedOccurrences their occurrences
 * @param malformedBytes    bytes that were not UTF-8, each now one U+FFFD
 * @param bytesPerId        1 when the vocabulary has at most 256 symbols, else 2
 * @param shardsDirectory   the directory of this version's shards, beside the manifest
 * @param table             how the corpus was read as a table ({@code --text-column} and its flags); null for text
 *                          files. {@code blockBytes} is then 0: rows are split one by one
 */
public record DatasetManifest(String format, int version, String createdAt,
                              @JsonSerialize(using = Uris.RedactedSerializer.class) String corpus,
                              String inputsFingerprint,
                              long inputFiles, long inputBytes, int maxVocab, long minCount, String unknownSymbol,
                              double valFraction, int blockBytes, int[] codePoints, long[] counts,
                              boolean withUnknown, int mappedSymbols, long mappedOccurrences, long symbols,
                              long validationSymbols, long malformedBytes, int bytesPerId, String shardsDirectory,
                              List<Shard> shards, String fingerprint,
                              // Absent, not null, for text files: a manifest written before tables reads the same, and
                              // its fingerprint (over this JSON) still holds.
                              @com.fasterxml.jackson.annotation.JsonInclude(
                                      com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                              io.charrnn.corpus.TextTable table) {
    public static final String FORMAT = "charrnn-dataset";
    public static final int VERSION = 1;

    /**
     * One shard file in the shard directory: its size in bytes, symbols and runs, and the CRC-32C of its bytes
     * ({@link ShardReader} checks it at the shard's end; absent, not null, in manifests from before it was recorded,
     * whose fingerprints, over this JSON, still hold).
     */
    public record Shard(String name, long bytes, long symbols, long validationSymbols, long runs,
                        @com.fasterxml.jackson.annotation.JsonInclude(
                                com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String crc32c)
            implements java.io.Serializable {
    }

    public Vocabulary vocabulary() {
        return new Vocabulary(codePoints, counts, withUnknown);
    }

    /** The same manifest with its fingerprint computed. */
    public DatasetManifest withFingerprint() {
        return withFingerprint(computeFingerprint());
    }

    /** SHA-256 of the manifest's JSON without its fingerprint: any edit to any field changes it. */
    public String computeFingerprint() {
        return Sha256.of(Json.write(withFingerprint(null)));
    }

    private DatasetManifest withFingerprint(String value) {
        return new DatasetManifest(format, version, createdAt, corpus, inputsFingerprint, inputFiles, inputBytes,
                maxVocab, minCount, unknownSymbol, valFraction, blockBytes, codePoints, counts, withUnknown,
                mappedSymbols, mappedOccurrences, symbols, validationSymbols, malformedBytes, bytesPerId,
                shardsDirectory, shards, value, table);
    }

    /** Whether this dataset was prepared from the same inputs with the same options. */
    public boolean sameSource(String inputs, int maxVocab, long minCount, String unknown, double valFraction) {
        return inputsFingerprint.equals(inputs) && this.maxVocab == maxVocab && this.minCount == minCount
                && this.unknownSymbol.equals(unknown) && this.valFraction == valFraction && version == VERSION;
    }
}
