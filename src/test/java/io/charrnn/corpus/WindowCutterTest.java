package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WindowCutterTest {
    /** Ids are the letters' offsets from 'a'. */
    private static SymbolRun run(String text, boolean validation, boolean continues) {
        short[] ids = new short[text.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (short) (text.charAt(i) - 'a');
        }
        return new SymbolRun(validation, continues, ids, ids.length);
    }

    private static String text(EncodedWindow w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i <= w.length(); i++) {
            sb.append((char) ('a' + w.id(i)));
        }
        return sb.toString();
    }

    private static List<String> cut(int window, boolean remainders, SymbolRun... runs) {
        List<String> out = new ArrayList<>();
        new WindowCutter(List.of(runs).iterator(), window, remainders).forEachRemaining(w ->
                out.add((w.isValidation() ? "V" : "T") + (w.follows() ? "+" : ":") + text(w)));
        return out;
    }

    /** "+" marks a window that follows the one before it (an evaluation may carry the state into it). */
    @Test
    void consecutiveWindowsShareOneSymbolSoEveryCharacterIsPredictedOnce() {
        // 10 symbols: windows abcde, efghi; "ij" is shorter than a window.
        assertEquals(List.of("T:abcde", "T+efghi"), cut(4, false, run("abcdefghij", false, false)));
        assertEquals(List.of("T:abcde", "T+efghi", "T+ij"), cut(4, true, run("abcdefghij", false, false)));
    }

    @Test
    void runsThatContinueASegmentAreJoined() {
        assertEquals(List.of("T:abcde", "T+efghi"), cut(4, false, run("ab", false, false),
                run("cdefg", false, true), run("hij", false, true)));
    }

    @Test
    void aNewSegmentOrAnotherSplitStartsANewWindow() {
        // "abc" is short of a window of 4 and is dropped; the next segment starts afresh.
        assertEquals(List.of("T:defgh"), cut(4, false, run("abc", false, false), run("defgh", false, false)));
        // A run of the other split never continues a window, even if marked as continuing.
        assertEquals(List.of("T:abcd", "V:efgh"), cut(3, false, run("abcd", false, false),
                run("efgh", true, true)));
        assertEquals(List.of("T:ab", "V:cde", "V+ef"), cut(2, true, run("ab", false, false),
                run("cdef", true, false)));
    }

    @Test
    void aWindowCanSpanManyShortRuns() {
        List<SymbolRun> runs = new ArrayList<>();
        runs.add(run("a", false, false));
        for (int i = 0; i < 20; i++) {
            runs.add(run("b", false, true));
        }
        List<String> out = cut(10, false, runs.toArray(new SymbolRun[0]));
        assertEquals(List.of("T:abbbbbbbbbb", "T+bbbbbbbbbbb"), out);
    }
}
