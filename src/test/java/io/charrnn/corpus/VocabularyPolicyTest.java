package io.charrnn.corpus;

import io.charrnn.common.UserError;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class VocabularyPolicyTest {
    private static final Map<Integer, Long> COUNTS = Map.of((int) 'a', 100L, (int) 'b', 50L, (int) 'c', 10L,
            (int) 'd', 2L, (int) 'é', 1L);
    private static final int R = Utf8Decoder.REPLACEMENT;

    @Test
    void byDefaultEverySymbolKeepsItsOwnId() {
        VocabularyPolicy.Outcome o = VocabularyPolicy.DEFAULT.apply(COUNTS);
        assertEquals(5, o.vocabulary().size());
        assertFalse(o.vocabulary().hasUnknown());
        assertEquals(0, o.mappedSymbols());
    }

    @Test
    void rareSymbolsMapToTheUnknownSymbolAndNoOccurrenceIsLost() {
        VocabularyPolicy.Outcome o = new VocabularyPolicy(Vocabulary.MAX_SIZE, 5, VocabularyPolicy.UnknownSymbol.AUTO)
                .apply(COUNTS);
        Vocabulary v = o.vocabulary();
        assertEquals(4, v.size()); // a, b, c and U+FFFD
        assertEquals(2, o.mappedSymbols());
        assertEquals(3, o.mappedOccurrences());
        assertEquals(v.unknownId(), v.idOf('d'));
        assertEquals(v.unknownId(), v.idOf('é'));
        assertEquals(Vocabulary.NOT_IN_VOCABULARY, v.exactIdOf('d'));
        assertEquals(3, v.countOf(v.unknownId()));
        assertEquals(163, v.totalCount());
    }

    @Test
    void maxVocabKeepsTheMostFrequentAndCountsTheUnknownSymbol() {
        Vocabulary v = new VocabularyPolicy(3, 1, VocabularyPolicy.UnknownSymbol.AUTO).apply(COUNTS).vocabulary();
        assertEquals(3, v.size());
        assertNotEquals(v.unknownId(), v.idOf('a'));
        assertNotEquals(v.unknownId(), v.idOf('b'));
        assertEquals(v.unknownId(), v.idOf('c'));
        assertEquals(R, v.codePointOf(v.unknownId()));
    }

    @Test
    void alwaysAddsTheUnknownSymbolAndNeverRefusesToMap() {
        Vocabulary v = new VocabularyPolicy(100, 1, VocabularyPolicy.UnknownSymbol.ALWAYS).apply(COUNTS).vocabulary();
        assertEquals(6, v.size());
        assertEquals(0, v.countOf(v.unknownId()));
        assertEquals(v.unknownId(), v.idOf('z'), "a symbol new to the model maps to the unknown symbol");
        UserError e = assertThrows(UserError.class, () -> new VocabularyPolicy(4, 1,
                VocabularyPolicy.UnknownSymbol.NEVER).apply(COUNTS));
        assertTrue(e.getMessage().contains("--max-vocab 4"), e.getMessage());
    }

    @Test
    void malformedBytesAlreadyReplacedShareTheUnknownSymbol() {
        Map<Integer, Long> counts = Map.of((int) 'a', 100L, R, 7L, (int) 'q', 1L);
        VocabularyPolicy.Outcome o = new VocabularyPolicy(Vocabulary.MAX_SIZE, 2, VocabularyPolicy.UnknownSymbol.AUTO)
                .apply(counts);
        assertEquals(2, o.vocabulary().size());
        assertEquals(8, o.vocabulary().countOf(o.vocabulary().unknownId()));
    }
}
