package io.charrnn.corpus;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A corpus read whole in this process, with no Spark: for the single-process benchmark baseline and as the reference
 * that the distributed reading is tested against. Each file is one chunk.
 */
public record LocalCorpus(Vocabulary vocabulary, SymbolCounts counts, List<SymbolRun> runs) {

    public static LocalCorpus read(Configuration conf, String uri, CorpusOptions options) {
        List<InputChunk> chunks = new ArrayList<>();
        for (InputFile f : CorpusFiles.list(conf, uri)) {
            chunks.add(new InputChunk(f, 0, f.compressed() ? Long.MAX_VALUE : f.length()));
        }
        try {
            SymbolCounts counts = new SymbolCounts();
            for (InputChunk c : chunks) {
                try (ChunkReader reader = new ChunkReader(conf, c)) {
                    counts.addAll(reader);
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
