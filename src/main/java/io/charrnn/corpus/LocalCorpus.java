package io.charrnn.corpus;

import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A corpus read whole in this process, with no Spark: for the single-process benchmark baseline and as the reference
 * that the distributed reading is tested against. Cut into the chunks the distributed reader's partitions hold, in
 * their order, so that it holds the same windows in the same order (windows never cross a chunk).
 */
public record LocalCorpus(Vocabulary vocabulary, SymbolCounts counts, List<SymbolRun> runs) {

    public static LocalCorpus read(Configuration conf, String uri, CorpusOptions options) {
        List<InputFile> files = CorpusFiles.list(conf, uri);
        List<InputChunk> chunks = new ArrayList<>();
        ChunkPlan.planFor(files, options.partitions()).forEach(chunks::addAll);
        try {
            SymbolCounts counts = new SymbolCounts();
            for (InputChunk c : chunks) {
                try (ChunkReader reader = new ChunkReader(conf, c)) {
                    counts.addAll(reader);
                    String binary = TextCheck.binaryLooking(c, reader, options.maxMalformed());
                    if (binary != null) {
                        throw TextCheck.notText(binary, options.maxMalformed());
                    }
                }
            }
            Vocabulary vocabulary = options.vocabulary().apply(counts.toMap()).vocabulary();
            List<SymbolRun> runs = new ArrayList<>();
            new RunEncoder(chunks.iterator(), c -> new ChunkReader(conf, c), vocabulary,
                    new ValidationSplit(options.valFraction()), null).forEachRemaining(r ->
                    runs.add(new SymbolRun(r.validation(), r.continues(), Arrays.copyOf(r.ids(), r.length()),
                            r.length())));
            return new LocalCorpus(vocabulary, counts, runs);
        } catch (IOException e) {
            throw new UserError("cannot read corpus " + uri + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UserError("cannot read corpus " + uri + ": " + e.getCause().getMessage());
        }
    }
}
