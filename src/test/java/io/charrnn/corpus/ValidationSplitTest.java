package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ValidationSplitTest {
    @Test
    void holdsOutCloseToTheFractionEvenForFewBlocks() {
        ValidationSplit split = new ValidationSplit(0.05);
        for (int blocks : new int[]{68, 200, 10_000}) {
            int held = 0;
            for (int b = 0; b < blocks; b++) {
                if (split.isValidationBlock("corpus.txt", b)) {
                    held++;
                }
            }
            // A Weyl sequence is within a couple of blocks of the exact share, unlike independent coin flips.
            assertEquals(blocks * 0.05, held, 2.0, "blocks=" + blocks);
        }
    }

    /**
     * The held-out blocks are pinned: a run resumed by a newer charrnn must hold out the same text, or it would
     * train on what it validated on before. A changed split fails here.
     */
    @Test
    void theHeldOutBlocksOfAFileStayWhatTheyWere() {
        assertEquals(java.util.List.of(12L, 20L, 33L, 41L, 46L, 54L, 67L, 75L, 88L, 96L, 101L, 109L, 122L, 130L, 143L,
                156L, 164L, 177L, 185L, 190L, 198L), heldOut(new ValidationSplit(0.1), "x.txt"));
        assertEquals(java.util.List.of(0L, 34L, 55L, 68L, 89L, 110L, 123L, 144L, 157L, 178L, 199L),
                heldOut(new ValidationSplit(0.05), "books/part-00001.txt"));
    }

    /**
     * As the encoder reads a file (in chunks that start and end inside characters, with characters of 1 to 4 bytes
     * across the blocks' edges), every character is held out exactly when the block its first byte is in is.
     */
    @Test
    void everyCharacterIsHeldOutAsTheBlockItStartsIn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String[] symbols = {"a", "\u00e9", "\u20ac", "\ud83d\ude00", "\n"}; // 1, 2, 3, 4 and 1 bytes
        StringBuilder text = new StringBuilder();
        java.util.Random random = new java.util.Random(3);
        while (text.length() < 150_000) {
            text.append(symbols[random.nextInt(symbols.length)]);
        }
        byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("mixed.txt"), bytes);
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        InputFile input = CorpusFiles.list(conf, file.toUri().toString()).get(0);
        java.util.List<InputChunk> chunks = java.util.List.of(new InputChunk(input, 0, 50_001),
                new InputChunk(input, 50_001, 123_457), new InputChunk(input, 123_457, bytes.length));
        java.util.Map<Integer, Long> counts = new java.util.HashMap<>();
        text.codePoints().forEach(cp -> counts.merge(cp, 1L, Long::sum));
        Vocabulary vocabulary = Vocabulary.fromCounts(counts);
        ValidationSplit split = new ValidationSplit(0.3);

        java.util.List<Boolean> expected = new java.util.ArrayList<>();
        for (int offset = 0; offset < bytes.length; offset++) {
            if ((bytes[offset] & 0xc0) != 0x80) { // a character's first byte
                expected.add(split.isValidationBlock(input.name(), offset / ValidationSplit.BLOCK_BYTES));
            }
        }
        java.util.List<Boolean> actual = new java.util.ArrayList<>();
        new RunEncoder(chunks.iterator(), c -> new ChunkReader(conf, c), vocabulary, split, null)
                .forEachRemaining(run -> {
                    for (int i = 0; i < run.length(); i++) {
                        actual.add(run.validation());
                    }
                });
        assertTrue(expected.contains(true) && expected.contains(false), "both splits in the text");
        assertEquals(expected.size(), actual.size(), "one id per character");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "character " + i);
        }
    }

    private static java.util.List<Long> heldOut(ValidationSplit split, String file) {
        java.util.List<Long> blocks = new java.util.ArrayList<>();
        for (long b = 0; b < 200; b++) {
            if (split.isValidationBlock(file, b)) {
                blocks.add(b);
            }
        }
        return blocks;
    }

    @Test
    void differentFilesStartAtDifferentPointsOfTheSequence() {
        ValidationSplit split = new ValidationSplit(0.5);
        int differ = 0;
        for (int f = 0; f < 50; f++) {
            if (split.isValidationBlock("file" + f, 0) != split.isValidationBlock("other" + f, 0)) {
                differ++;
            }
        }
        assertTrue(differ > 5, "file hashes should spread the start of the sequence: " + differ);
    }

    @Test
    void rejectsFractionsOutsideTheOpenUnitInterval() {
        assertThrows(IllegalArgumentException.class, () -> new ValidationSplit(0));
        assertThrows(IllegalArgumentException.class, () -> new ValidationSplit(1));
    }

    @Test
    void aCappedSplitIsScoredInGroupsOfConsecutiveWindowsSpreadOverTheWhole() {
        // 10,000 windows of 1000 characters, at most 500,000 characters: 31 groups of 16 consecutive windows.
        ValidationSplit.Subset subset = ValidationSplit.Subset.of(10_000, 500_000, 1000, 16);
        java.util.List<Long> kept = new java.util.ArrayList<>();
        int gaps = 0;
        for (long i = 0; i < 10_000; i++) {
            if (subset.keeps(i)) {
                kept.add(i);
                gaps += subset.afterAGap(i) ? 1 : 0;
            }
        }
        assertTrue(kept.size() * 1000L <= 500_000 && kept.size() >= 400, "kept " + kept.size());
        assertTrue(kept.get(kept.size() - 1) > 9_000, "the whole split is covered: last " + kept.get(kept.size() - 1));
        assertEquals(kept.size() / 16, gaps, "only each group's first window starts cold");
        for (int k = 1; k < kept.size(); k++) {
            boolean consecutive = kept.get(k) == kept.get(k - 1) + 1;
            assertEquals(!consecutive, subset.afterAGap(kept.get(k)), "window " + kept.get(k));
        }
        // Under the cap: every window, none cold; a cap under one group: that many windows.
        ValidationSplit.Subset all = ValidationSplit.Subset.of(400, 500_000, 1000, 16);
        for (long i = 0; i < 400; i++) {
            assertTrue(all.keeps(i) && !all.afterAGap(i));
        }
        ValidationSplit.Subset tiny = ValidationSplit.Subset.of(100, 3000, 1000, 16);
        assertEquals(3, java.util.stream.LongStream.range(0, 100).filter(tiny::keeps).count());
    }
}
