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

    @Test
    void decisionDependsOnlyOnFileAndBlock() {
        ValidationSplit a = new ValidationSplit(0.1);
        ValidationSplit b = new ValidationSplit(0.1);
        for (long offset = 0; offset < 5_000_000; offset += 777) {
            assertEquals(a.isValidation("x.txt", offset), b.isValidation("x.txt", offset));
            assertEquals(a.isValidation("x.txt", offset),
                    a.isValidationBlock("x.txt", offset / ValidationSplit.BLOCK_BYTES));
        }
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
}
