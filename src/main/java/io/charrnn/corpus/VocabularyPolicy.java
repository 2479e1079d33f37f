package io.charrnn.corpus;

import io.charrnn.common.UserError;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which symbols get an id of their own. Symbols rarer than {@code minCount}, and beyond the {@code maxVocab} most
 * frequent, share one unknown symbol (U+FFFD, which malformed bytes also become), so a corpus with a few stray
 * symbols or a long tail of rare ones keeps a compact model, and no symbol is ever dropped from the text.
 */
public record VocabularyPolicy(int maxVocab, long minCount, UnknownSymbol unknown) implements Serializable {
    public static final VocabularyPolicy DEFAULT = new VocabularyPolicy(Vocabulary.MAX_SIZE, 1, UnknownSymbol.AUTO);

    /** When the vocabulary has the unknown symbol. */
    public enum UnknownSymbol {
        /** Only when some symbol maps to it. */
        AUTO,
        /** Always, so that symbols new in a grown corpus map to it when a run continues. */
        ALWAYS,
        /** Never: a symbol that would map to it is an error. */
        NEVER
    }

    /** The vocabulary and what the policy mapped to the unknown symbol. */
    public record Outcome(Vocabulary vocabulary, int mappedSymbols, long mappedOccurrences) {
    }

    public VocabularyPolicy {
        if (maxVocab < 2 || maxVocab > Vocabulary.MAX_SIZE) {
            throw new UserError("--max-vocab must be between 2 and " + Vocabulary.MAX_SIZE + ", got " + maxVocab);
        }
        if (minCount < 1) {
            throw new UserError("--min-count must be at least 1, got " + minCount);
        }
    }

    public Outcome apply(Map<Integer, Long> counts) {
        List<Map.Entry<Integer, Long>> byFrequency = new ArrayList<>(counts.entrySet());
        byFrequency.sort(Comparator.<Map.Entry<Integer, Long>>comparingLong(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        int eligible = 0;
        while (eligible < byFrequency.size() && byFrequency.get(eligible).getValue() >= minCount) {
            eligible++;
        }
        boolean needed = eligible < byFrequency.size() || eligible > maxVocab;
        if (needed && unknown == UnknownSymbol.NEVER) {
            throw new UserError("the corpus has " + counts.size() + " distinct symbols, " + (byFrequency.size()
                    - Math.min(eligible, maxVocab)) + " of them rarer than --min-count " + minCount
                    + " or beyond --max-vocab " + maxVocab + ", and --unknown-symbol never forbids mapping them to"
                    + " the unknown symbol; raise --max-vocab, lower --min-count or allow the unknown symbol");
        }
        boolean withUnknown = needed || unknown == UnknownSymbol.ALWAYS;
        Map<Integer, Long> kept = new HashMap<>();
        int keep = Math.min(eligible, withUnknown ? maxVocab - 1 : maxVocab);
        for (int i = 0; i < keep; i++) {
            kept.put(byFrequency.get(i).getKey(), byFrequency.get(i).getValue());
        }
        long mapped = 0;
        for (int i = keep; i < byFrequency.size(); i++) {
            mapped += byFrequency.get(i).getValue();
        }
        int mappedSymbols = byFrequency.size() - keep;
        if (withUnknown) {
            kept.merge(Utf8Decoder.REPLACEMENT, mapped, Long::sum);
        }
        return new Outcome(Vocabulary.fromCounts(kept, withUnknown), mappedSymbols, mapped);
    }
}
