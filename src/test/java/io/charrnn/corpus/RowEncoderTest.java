package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RowEncoderTest {
    private static Vocabulary vocabularyOf(String text) {
        Map<Integer, Long> counts = new HashMap<>();
        text.codePoints().forEach(cp -> counts.merge(cp, 1L, Long::sum));
        return Vocabulary.fromCounts(counts);
    }

    private static String decode(Vocabulary v, List<SymbolRun> runs, boolean validation) {
        StringBuilder out = new StringBuilder();
        for (SymbolRun r : runs) {
            if (r.validation() == validation) {
                for (int i = 0; i < r.length(); i++) {
                    out.append(v.decode(r.id(i)));
                }
            }
        }
        return out.toString();
    }

    @Test
    void eachSplitIsOneStreamOfItsRowsInOrderEachFollowedByTheSeparator() {
        List<RowEncoder.Row> rows = new ArrayList<>();
        StringBuilder train = new StringBuilder();
        StringBuilder validation = new StringBuilder();
        ValidationSplit split = new ValidationSplit(0.2);
        for (int i = 0; i < 5000; i++) {
            String text = i % 97 == 0 ? null : "line " + i + (i % 13 == 0 ? " \u00e9\ud83d\ude00" : "");
            rows.add(new RowEncoder.Row(text, null));
            if (text != null) {
                (split.isValidationRow(text) ? validation : train).append(text).append("\r\n");
            }
        }
        Vocabulary v = vocabularyOf(train.toString() + validation);
        List<SymbolRun> runs = new ArrayList<>();
        new RowEncoder(rows.iterator(), v, split, "\r\n", null).forEachRemaining(runs::add);
        assertEquals(train.toString(), decode(v, runs, false));
        assertEquals(validation.toString(), decode(v, runs, true));
        // Runs of a split continue one another: one segment per split, however the rows of the splits interleave.
        assertEquals(2, runs.stream().filter(r -> !r.continues()).count());
        double share = validation.length() / (double) (train.length() + validation.length());
        assertTrue(share > 0.15 && share < 0.25, "validation share " + share);
    }

    @Test
    void aRowsSplitFollowsItsKeyAloneAndHoldsAsTheTableGrows() {
        ValidationSplit split = new ValidationSplit(0.1);
        int held = 0;
        for (int i = 0; i < 10_000; i++) {
            held += split.isValidationRow("row-" + i) ? 1 : 0;
            assertEquals(split.isValidationRow("row-" + i), new ValidationSplit(0.1).isValidationRow("row-" + i));
        }
        assertTrue(held > 900 && held < 1100, "held out " + held);
        List<RowEncoder.Row> keyed = List.of(new RowEncoder.Row("same text", "a"), new RowEncoder.Row("same text",
                "b"));
        Vocabulary v = vocabularyOf("same text\n");
        List<SymbolRun> runs = new ArrayList<>();
        new RowEncoder(keyed.iterator(), v, split, "\n", null).forEachRemaining(runs::add);
        long validationChars = runs.stream().filter(SymbolRun::validation).mapToLong(SymbolRun::length).sum();
        assertEquals((split.isValidationRow("a") ? 10 : 0) + (split.isValidationRow("b") ? 10 : 0), validationChars);
    }

    @Test
    void separatorsAreWrittenAsFlagsWriteThem() {
        assertEquals("\n", TextTable.unescape("\\n"));
        assertEquals("\u001e|\t\\", TextTable.unescape("\\u001e|\\t\\\\"));
        for (String s : List.of("\n", "\r\n", "\u001e", " | ", "\\")) {
            assertEquals(s, TextTable.unescape(TextTable.escape(s)));
        }
        assertThrows(io.charrnn.common.UserError.class, () -> TextTable.unescape("\\u12"));
        assertThrows(io.charrnn.common.UserError.class, () -> TextTable.unescape("\\x"));
    }
}
