package io.charrnn.spark;

import io.charrnn.common.LookaheadIterator;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.Vocabulary;
import org.apache.spark.util.LongAccumulator;

import java.util.Iterator;

/** Translates a prepared dataset's ids into another vocabulary's, e.g. a model's trained on other text. */
final class IdMap {
    private IdMap() {
    }

    private static final int SKIP = Integer.MIN_VALUE;

    /**
     * Dataset id to target id, or null when the two vocabularies number their symbols alike. A symbol the target
     * lacks is stored as {@code ~unknownId} if the target has an unknown symbol, else as {@link #SKIP}.
     */
    static int[] between(Vocabulary from, Vocabulary to) {
        int[] map = new int[from.size()];
        boolean identity = from.size() == to.size() && from.unknownId() == to.unknownId();
        for (int id = 0; id < from.size(); id++) {
            int exact = to.exactIdOf(from.codePointOf(id));
            map[id] = exact >= 0 ? exact : to.hasUnknown() ? ~to.unknownId() : SKIP;
            identity &= map[id] == id;
        }
        return identity ? null : map;
    }

    /**
     * The runs with their ids translated. A symbol the target lacks maps to its unknown symbol if it has one, else is
     * skipped; either way it counts in {@code outside} (if given), so an evaluation can say how much text the model
     * did not know. Without {@code outside}, as in training, a symbol that would be skipped is an error.
     */
    static Iterator<SymbolRun> apply(Iterator<SymbolRun> runs, int[] map, LongAccumulator outside) {
        return new LookaheadIterator<>() {
            @Override
            protected SymbolRun computeNext() {
                while (runs.hasNext()) {
                    SymbolRun translated = translate(runs.next());
                    if (translated != null) {
                        return translated;
                    }
                }
                return null;
            }

            private SymbolRun translate(SymbolRun run) {
                short[] ids = new short[run.length()];
                int n = 0;
                long missing = 0;
                for (int i = 0; i < run.length(); i++) {
                    int id = map[run.id(i)];
                    if (id < 0) {
                        missing++;
                        if (id == SKIP) {
                            if (outside == null) {
                                throw new IllegalStateException("the dataset has symbols the model lacks");
                            }
                            continue;
                        }
                        id = ~id;
                    }
                    ids[n++] = (short) id;
                }
                if (missing > 0 && outside != null) {
                    outside.add(missing);
                }
                return n == 0 ? null : new SymbolRun(run.validation(), run.continues(), ids, n);
            }
        };
    }
}
