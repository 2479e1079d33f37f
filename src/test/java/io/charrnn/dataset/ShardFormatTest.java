package io.charrnn.dataset;

import io.charrnn.corpus.SymbolRun;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ShardFormatTest {
    private static List<SymbolRun> randomRuns(int maxId, long seed) {
        Random random = new Random(seed);
        List<SymbolRun> runs = new ArrayList<>();
        for (int r = 0; r < 40; r++) {
            int length = r == 7 ? SymbolRun.MAX_LENGTH : 1 + random.nextInt(3000);
            short[] ids = new short[length + random.nextInt(5)]; // the array may be longer than the run
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (short) random.nextInt(maxId + 1);
            }
            runs.add(new SymbolRun(random.nextBoolean(), random.nextBoolean(), ids, length));
        }
        return runs;
    }

    private static byte[] write(List<SymbolRun> runs, int bytesPerId) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ShardWriter w = new ShardWriter(bytes, bytesPerId)) {
            for (SymbolRun r : runs) {
                w.write(r);
            }
            assertEquals(runs.stream().mapToLong(SymbolRun::length).sum(), w.symbols());
        }
        return bytes.toByteArray();
    }

    private static List<SymbolRun> read(byte[] bytes) throws IOException {
        List<SymbolRun> out = new ArrayList<>();
        try (ShardReader r = new ShardReader(new ByteArrayInputStream(bytes), "part-00000")) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    private static void assertSameRuns(List<SymbolRun> expected, List<SymbolRun> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            SymbolRun e = expected.get(i);
            SymbolRun a = actual.get(i);
            assertEquals(e.validation(), a.validation());
            assertEquals(e.continues(), a.continues());
            assertEquals(e.length(), a.length());
            assertArrayEquals(Arrays.copyOf(e.ids(), e.length()), Arrays.copyOf(a.ids(), a.length()), "run " + i);
        }
    }

    @Test
    void oneAndTwoByteIdsRoundTrip() throws IOException {
        List<SymbolRun> small = randomRuns(255, 1);
        byte[] oneByte = write(small, 1);
        assertSameRuns(small, read(oneByte));
        List<SymbolRun> large = randomRuns(65_535, 2);
        byte[] twoBytes = write(large, 2);
        assertSameRuns(large, read(twoBytes));
        long symbols = large.stream().mapToLong(SymbolRun::length).sum();
        assertEquals(6 + 5L * large.size() + 2 * symbols, twoBytes.length, "header, run headers and 2 bytes per id");
    }

    @Test
    void damagedOrForeignShardsAreRecognised() throws IOException {
        byte[] shard = write(randomRuns(255, 3), 1);
        UncheckedIOException truncated = assertThrows(UncheckedIOException.class,
                () -> read(Arrays.copyOf(shard, shard.length - 10)));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
        byte[] badHeader = shard.clone();
        badHeader[6] = 9; // flags of the first run
        UncheckedIOException damaged = assertThrows(UncheckedIOException.class, () -> read(badHeader));
        assertTrue(damaged.getMessage().contains("damaged"), damaged.getMessage());
        IOException foreign = assertThrows(IOException.class, () -> read("just some text".getBytes()));
        assertTrue(foreign.getMessage().contains("not a charrnn shard"), foreign.getMessage());
    }

    @Test
    void aShardsBytesAreCheckedAgainstItsChecksumAtItsEnd() throws IOException {
        List<SymbolRun> runs = randomRuns(255, 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ShardWriter writer = new ShardWriter(bytes, 1);
        for (SymbolRun r : runs) {
            writer.write(r);
        }
        writer.close();
        String crc = writer.crc32c();
        byte[] shard = bytes.toByteArray();
        java.util.zip.CRC32C whole = new java.util.zip.CRC32C();
        whole.update(shard);
        assertEquals(String.format("%08x", whole.getValue()), crc, "the writer's sum is of every byte written");
        List<SymbolRun> read = new ArrayList<>();
        new ShardReader(new ByteArrayInputStream(shard), "part-00000", crc).forEachRemaining(read::add);
        assertSameRuns(runs, read);

        byte[] changed = shard.clone();
        changed[shard.length - 1] ^= 1; // the last id: the size and every header unchanged
        ShardReader reader = new ShardReader(new ByteArrayInputStream(changed), "part-00000", crc);
        io.charrnn.common.UserError refused = assertThrows(io.charrnn.common.UserError.class,
                () -> reader.forEachRemaining(r -> { }));
        assertTrue(refused.getMessage().contains("does not match its fingerprint"), refused.getMessage());
        byte[] badWidth = shard.clone();
        badWidth[5] = 3;
        IOException width = assertThrows(IOException.class, () -> read(badWidth));
        assertTrue(width.getMessage().contains("3 bytes per symbol"), width.getMessage());
    }

    @Test
    void aManifestShardFromBeforeChecksumsReadsWithoutOne() throws IOException {
        var old = io.charrnn.common.Json.mapper().readValue(
                "{\"name\":\"part-00000\",\"bytes\":10,\"symbols\":4,\"validationSymbols\":0,\"runs\":1}",
                DatasetManifest.Shard.class);
        assertNull(old.crc32c());
        assertFalse(io.charrnn.common.Json.write(old).contains("crc32c"), "its JSON, hence its fingerprint, unchanged");
    }
}
