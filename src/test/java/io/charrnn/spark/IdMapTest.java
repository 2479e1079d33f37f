package io.charrnn.spark;

import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.Vocabulary;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A dataset's ids translated into a model's vocabulary, as eval does for a model trained on other text. */
class IdMapTest {
    private static Vocabulary vocabulary(String symbols, boolean unknown) {
        int[] cps = symbols.codePoints().sorted().toArray();
        return new Vocabulary(cps, new long[cps.length], unknown);
    }

    private static SymbolRun run(Vocabulary v, String text) {
        int[] raw = text.codePoints().map(v::idOf).toArray();
        short[] ids = new short[raw.length];
        for (int i = 0; i < raw.length; i++) {
            ids[i] = (short) raw[i];
        }
        return new SymbolRun(true, false, ids, ids.length);
    }

    private static String decode(Vocabulary v, List<SymbolRun> runs) {
        StringBuilder sb = new StringBuilder();
        runs.forEach(r -> {
            for (int i = 0; i < r.length(); i++) {
                sb.appendCodePoint(v.codePointOf(r.id(i)));
            }
        });
        return sb.toString();
    }

    @Test
    void sameVocabularyNeedsNoTranslation() {
        assertNull(IdMap.between(vocabulary("abc", false), vocabulary("abc", false)));
        assertNotNull(IdMap.between(vocabulary("abc", false), vocabulary("abd", false)));
    }

    @Test
    void symbolsTheModelLacksAreSkippedOrMappedToItsUnknownSymbolAndCounted() {
        Vocabulary dataset = vocabulary("abcxyz", false);
        Vocabulary model = vocabulary("zcba", false);
        LongAccumulator outside = new LongAccumulator();
        List<SymbolRun> out = new ArrayList<>();
        IdMap.apply(List.of(run(dataset, "abxcyz"), run(dataset, "xy")).iterator(), IdMap.between(dataset, model),
                outside).forEachRemaining(out::add);
        assertEquals("abcz", decode(model, out));
        assertEquals(1, out.size(), "a run left empty is dropped");
        assertEquals(4, outside.value());

        Vocabulary withUnknown = vocabulary("ab\uFFFD", true);
        LongAccumulator mapped = new LongAccumulator();
        out.clear();
        IdMap.apply(List.of(run(dataset, "abxc")).iterator(), IdMap.between(dataset, withUnknown), mapped)
                .forEachRemaining(out::add);
        assertEquals("ab\uFFFD\uFFFD", decode(withUnknown, out));
        assertEquals(2, mapped.value());
    }
}
