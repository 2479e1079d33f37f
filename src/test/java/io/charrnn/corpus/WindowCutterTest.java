package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class WindowCutterTest {
    private static Vocabulary vocabularyOf(String text) {
        Map<Integer, Long> counts = new HashMap<>();
        (text + "\n").codePoints().forEach(cp -> counts.merge(cp, 1L, Long::sum));
        return Vocabulary.fromCounts(counts);
    }

    private static String decode(EncodedWindow w, Vocabulary v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i <= w.length(); i++) {
            sb.append(v.decode(w.id(i)));
        }
        return sb.toString();
    }

    private static List<EncodedWindow> cut(List<TextLine> lines, Vocabulary v, ValidationSplit split, int window) {
        List<EncodedWindow> out = new ArrayList<>();
        new WindowCutter(lines.iterator(), v, split, window).forEachRemaining(out::add);
        return out;
    }

    @Test
    void consecutiveWindowsShareOneSymbolSoEveryCharacterIsPredictedOnce() {
        String text = "abcdefghij";
        Vocabulary v = vocabularyOf(text);
        // A split that holds nothing out within the first block: one segment.
        ValidationSplit split = new ValidationSplit(1e-9);
        List<EncodedWindow> windows = cut(List.of(new TextLine("f", 0, text)), v, split, 4);
        // "abcdefghij\n" has 11 symbols: windows abcde, efghi; the rest "ij\n" is shorter than a window.
        assertEquals(2, windows.size());
        assertEquals("abcde", decode(windows.get(0), v));
        assertEquals("efghi", decode(windows.get(1), v));
        assertEquals(4, windows.get(0).length());
    }

    @Test
    void linesAreJoinedWithNewlinesAndSurrogatePairsAreOneSymbol() {
        Vocabulary v = vocabularyOf("ab\uD83D\uDE00");
        ValidationSplit split = new ValidationSplit(1e-9);
        List<EncodedWindow> windows = cut(List.of(new TextLine("f", 0, "a\uD83D\uDE00"),
                new TextLine("f", 4, "b"), new TextLine("f", 6, "ab")), v, split, 6);
        assertEquals(1, windows.size());
        assertEquals("a\uD83D\uDE00\nb\nab", decode(windows.get(0), v));
    }

    @Test
    void noWindowMixesTrainingAndValidationText() {
        // Lines of 100 bytes each across many 16 KiB blocks; each line's text names its own block.
        ValidationSplit split = new ValidationSplit(0.3);
        List<TextLine> lines = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (long offset = 0; offset < 40L * ValidationSplit.BLOCK_BYTES; offset += 100) {
            char tag = split.isValidation("f", offset) ? 'V' : 'T';
            String text = String.valueOf(tag).repeat(99);
            lines.add(new TextLine("f", offset, text));
            all.append(text).append('\n');
        }
        Vocabulary v = vocabularyOf(all.toString());
        List<EncodedWindow> windows = cut(lines, v, split, 250);
        int validation = 0;
        for (EncodedWindow w : windows) {
            String s = decode(w, v).replace("\n", "");
            char expected = w.isValidation() ? 'V' : 'T';
            assertTrue(s.chars().allMatch(c -> c == expected), "window mixes splits: " + s);
            if (w.isValidation()) {
                validation++;
            }
        }
        assertTrue(validation > 0 && validation < windows.size());
    }

    @Test
    void aNewFileStartsANewWindow() {
        Vocabulary v = vocabularyOf("xy");
        ValidationSplit split = new ValidationSplit(1e-9);
        List<EncodedWindow> windows = cut(List.of(new TextLine("a", 0, "xx"), new TextLine("b", 0, "yyyy")),
                v, split, 3);
        // File a gives "xx\n" (3 symbols, short of a window of 4); file b gives "yyyy\n": one window "yyyy".
        assertEquals(1, windows.size());
        assertEquals("yyyy", decode(windows.get(0), v));
    }
}
