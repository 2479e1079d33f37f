package io.charrnn.corpus;

import io.charrnn.TestCorpora;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Chunks of a file, read separately, give exactly the file's code points: none lost, none doubled. */
class ChunkReaderTest {
    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();
    private final Random random = new Random(17);

    private InputFile write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return new InputFile(p.toUri().toString(), name, bytes.length, 0, false);
    }

    private record Read(List<Integer> codePoints, long malformed) {
    }

    private Read read(InputFile file, long... cuts) throws IOException {
        List<Integer> cps = new ArrayList<>();
        long malformed = 0;
        long start = 0;
        for (int i = 0; i <= cuts.length; i++) {
            long end = i < cuts.length ? cuts[i] : (file.compressed() ? Long.MAX_VALUE : file.length());
            try (ChunkReader r = new ChunkReader(conf, new InputChunk(file, start, end))) {
                // Small, uneven reads that stop at moving boundaries, as the run encoder stops at block ends.
                int[] buffer = new int[8];
                long boundary = 0;
                while (r.hasMore()) {
                    int n = r.read(buffer, 0, 1 + random.nextInt(8), boundary);
                    for (int k = 0; k < n; k++) {
                        cps.add(buffer[k]);
                    }
                    if (n == 0) {
                        assertTrue(r.position() >= boundary, "a read stops only at the boundary");
                        boundary = r.position() + 1 + random.nextInt(6);
                    }
                }
                malformed += r.malformedBytes();
            }
            start = end;
        }
        return new Read(cps, malformed);
    }

    @Test
    void everySplitPointKeepsEveryCodePointOnce() throws IOException {
        InputFile file = write("mixed.txt", TestCorpora.mixedBytes(120, 7));
        Read whole = read(file);
        assertTrue(whole.malformed() > 0, "the sample has malformed bytes");
        for (long cut = 0; cut <= file.length(); cut++) {
            assertEquals(whole, read(file, cut), "cut at byte " + cut);
        }
    }

    @Test
    void manyRandomChunkingsAgree() throws IOException {
        InputFile file = write("mixed.txt", TestCorpora.mixedBytes(5_000, 11));
        Read whole = read(file);
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            long[] cuts = random.longs(1 + random.nextInt(8), 0, file.length()).sorted().toArray();
            assertEquals(whole, read(file, cuts), "cuts " + java.util.Arrays.toString(cuts));
        }
    }

    @Test
    void wellFormedTextMatchesTheJdk() throws IOException {
        String text = "Ünïcödé ☃ 𝄞 text\n".repeat(500);
        InputFile file = write("ok.txt", text.getBytes(StandardCharsets.UTF_8));
        assertEquals(new Read(text.codePoints().boxed().toList(), 0), read(file, 1001, 2002, 5003));
    }

    @Test
    void gzipAndBzip2AreDecompressed() throws IOException {
        byte[] bytes = TestCorpora.mixedBytes(3_000, 5);
        Read plain = read(write("plain.txt", bytes));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(bytes);
        }
        InputFile gzFile = write("text.gz", gz.toByteArray());
        assertEquals(plain, read(new InputFile(gzFile.uri(), gzFile.name(), gzFile.length(), 0, true)));
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (OutputStream out = org.apache.hadoop.util.ReflectionUtils.newInstance(org.apache.hadoop.io.compress.BZip2Codec.class, new org.apache.hadoop.conf.Configuration()).createOutputStream(bz)) {
            out.write(bytes);
        }
        InputFile bzFile = write("text.bz2", bz.toByteArray());
        assertEquals(plain, read(new InputFile(bzFile.uri(), bzFile.name(), bzFile.length(), 0, true)));
    }
}
