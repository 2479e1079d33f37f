package io.charrnn.corpus;

import io.charrnn.common.UserError;
import java.io.Serializable;

/**
 * How raw text becomes symbols: the vocabulary policy, the validation share, the task partitions (0: from the data
 * size and the cluster), the share of malformed UTF-8 a file may have before it counts as binary, and, for a corpus
 * that is a table, how its rows are read (null: text files).
 */
public record CorpusOptions(VocabularyPolicy vocabulary, double valFraction, int partitions, double maxMalformed,
                            TextTable table) implements Serializable {
    /** Default of --max-malformed. */
    public static final double DEFAULT_MAX_MALFORMED = 0.1;

    public CorpusOptions {
        if (!(valFraction > 0 && valFraction < 0.5)) {
            throw new UserError("--val-fraction must be in (0, 0.5), got " + valFraction);
        }
        if (partitions < 0) {
            throw new UserError("--partitions must be 0 (automatic) or positive, got " + partitions);
        }
        if (!(maxMalformed >= 0 && maxMalformed <= 1)) {
            throw new UserError("--max-malformed must be in [0, 1], got " + maxMalformed);
        }
    }

    public static CorpusOptions defaults(double valFraction) {
        return defaults(valFraction, 0);
    }

    /** These options reading the corpus as this table (null: as text files). */
    public CorpusOptions withTable(TextTable reading) {
        return new CorpusOptions(vocabulary, valFraction, partitions, maxMalformed, reading);
    }

    /** The defaults with a run's partitions, so that its windows are cut again as it cut them. */
    public static CorpusOptions defaults(double valFraction, int partitions) {
        return new CorpusOptions(VocabularyPolicy.DEFAULT, valFraction, partitions, DEFAULT_MAX_MALFORMED, null);
    }
}
