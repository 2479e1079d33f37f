package io.charrnn.corpus;

import io.charrnn.common.UserError;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class VocabularyTest {
    @Test
    void sortsSymbolsByCodePointAndKeepsCounts() {
        Vocabulary v = Vocabulary.fromCounts(Map.of((int) 'b', 3L, (int) 'a', 5L, 0x1F600, 1L, (int) '\n', 2L));
        assertEquals(4, v.size());
        assertArrayEquals(new int[]{'\n', 'a', 'b', 0x1F600}, v.codePoints());
        assertEquals(5L, v.countOf(v.idOf('a')));
        assertEquals(11L, v.totalCount());
        assertEquals(Vocabulary.NOT_IN_VOCABULARY, v.idOf('z'));
        assertEquals("\uD83D\uDE00", v.decode(3));
    }

    @Test
    void encodesByCodePointNotByUtf16Unit() {
        Vocabulary v = Vocabulary.fromCounts(Map.of((int) 'a', 1L, 0x1F600, 1L));
        assertArrayEquals(new int[]{0, 1, 0}, v.encode("a\uD83D\uDE00a"));
    }

    @Test
    void encodingAnUnknownSymbolNamesIt() {
        Vocabulary v = Vocabulary.fromCounts(Map.of((int) 'a', 1L));
        UserError e = assertThrows(UserError.class, () -> v.encode("aé"));
        assertTrue(e.getMessage().contains("U+00E9"), e.getMessage());
    }

    @Test
    void refusesMoreSymbolsThanSixteenBitIdsHold() {
        Map<Integer, Long> counts = new HashMap<>();
        for (int i = 0; i <= Vocabulary.MAX_SIZE; i++) {
            counts.put(i, 1L);
        }
        assertThrows(UserError.class, () -> Vocabulary.fromCounts(counts));
    }
}
