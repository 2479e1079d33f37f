package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChunkPlanTest {
    private static final long MB = 1L << 20;

    private static InputFile file(String name, long length, boolean compressed) {
        return new InputFile("file:/c/" + name, name, length, 0, compressed);
    }

    /** Every byte of every file lies in exactly one chunk, chunks of a file are contiguous and in order. */
    private static void assertCovers(List<InputFile> files, List<List<InputChunk>> plan) {
        Map<String, Long> next = new HashMap<>();
        for (List<InputChunk> group : plan) {
            assertFalse(group.isEmpty());
            for (InputChunk c : group) {
                long expected = next.getOrDefault(c.file().uri(), 0L);
                assertEquals(expected, c.start(), "chunk of " + c.file().name() + " starts where the last ended");
                next.put(c.file().uri(), c.file().compressed() ? c.file().length() : c.end());
                if (c.file().compressed()) {
                    assertEquals(0, c.start());
                    assertEquals(Long.MAX_VALUE, c.end());
                }
            }
        }
        for (InputFile f : files) {
            if (f.length() > 0) {
                assertEquals(f.length(), next.get(f.uri()), f.name() + " is covered to its end");
            }
        }
    }

    @Test
    void aHugeFileIsCutIntoAboutEqualChunks() {
        List<InputFile> files = List.of(file("big.txt", 1000 * MB, false));
        List<List<InputChunk>> plan = ChunkPlan.plan(files, 16);
        assertCovers(files, plan);
        assertEquals(16, plan.size());
        plan.forEach(g -> assertTrue(Math.abs(g.get(0).bytes() - 1000 * MB / 16) <= MB, g.toString()));
    }

    @Test
    void manySmallFilesArePackedAndCompressedFilesStayWhole() {
        List<InputFile> files = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            files.add(file("f" + i + ".txt", 20_000 + i, false));
        }
        files.add(file("a.gz", 3 * MB, true));
        files.add(file("empty.txt", 0, false));
        files.add(file("b.txt", 5 * MB, false));
        List<List<InputChunk>> plan = ChunkPlan.plan(files, 8);
        assertCovers(files, plan);
        assertTrue(plan.size() <= 9 && plan.size() >= 6, "about 8 groups: " + plan.size());
    }

    @Test
    void chunksAreNeverTiny() {
        List<InputFile> files = List.of(file("a.txt", 3 * MB + 100, false));
        List<List<InputChunk>> plan = ChunkPlan.plan(files, 1000);
        assertCovers(files, plan);
        plan.forEach(g -> g.forEach(c -> assertTrue(c.bytes() >= ChunkPlan.MIN_CHUNK_BYTES / 4, c.toString())));
        assertEquals(32, ChunkPlan.autoPartitions(1000 * MB));
        assertEquals(8, ChunkPlan.autoPartitions(MB));
        assertEquals(8, ChunkPlan.autoPartitions(0));
    }
}
