package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Utf8DecoderTest {
    static List<Integer> decode(byte[] bytes, int bufferSize, long[] malformed) throws IOException {
        Utf8Decoder d = new Utf8Decoder(new ByteArrayInputStream(bytes), 0, bufferSize);
        List<Integer> out = new ArrayList<>();
        long expectedOffset = 0;
        for (int cp = d.next(); cp >= 0; cp = d.next()) {
            assertEquals(expectedOffset, d.offset(), "offsets are consecutive");
            expectedOffset += d.malformed() ? 1 : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)
                    .length;
            out.add(cp);
            if (d.malformed()) {
                malformed[0]++;
            }
        }
        assertEquals(bytes.length, expectedOffset, "every byte is accounted for");
        return out;
    }

    @Test
    void wellFormedTextDecodesAsTheJdkDoes() throws IOException {
        String text = "plain ascii, é ß ü, € ≠ 中文, 😀 🎉 𝄞, end".repeat(7);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int buffer : new int[]{8, 9, 13, 1 << 16}) { // small buffers put code points across refills
            long[] malformed = {0};
            assertEquals(text.codePoints().boxed().toList(), decode(bytes, buffer, malformed));
            assertEquals(0, malformed[0]);
        }
    }

    @Test
    void eachMalformedByteBecomesOneReplacementAndIsCounted() throws IOException {
        byte[] bytes = {
                'a', (byte) 0xFF,                           // never valid
                'b', (byte) 0xE2, (byte) 0x82,              // truncated 3-byte sequence: 2 bytes
                'c', (byte) 0xC0, (byte) 0xAF,              // overlong '/': 2 bytes
                'd', (byte) 0xED, (byte) 0xA0, (byte) 0x80, // a UTF-16 surrogate: 3 bytes
                'e', (byte) 0x80,                           // stray continuation byte
                'f', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, // above U+10FFFF: 4 bytes
                'g', (byte) 0xC3, (byte) 0xA9,              // é, valid
                (byte) 0xF0, (byte) 0x9F, (byte) 0x98       // truncated at the end of the stream: 3 bytes
        };
        long[] malformed = {0};
        List<Integer> cps = decode(bytes, 8, malformed);
        assertEquals(16, malformed[0]);
        int r = Utf8Decoder.REPLACEMENT;
        assertEquals(List.of((int) 'a', r, (int) 'b', r, r, (int) 'c', r, r, (int) 'd', r, r, r, (int) 'e', r,
                (int) 'f', r, r, r, r, (int) 'g', 0xE9, r, r, r), cps);
    }

    @Test
    void bulkDecodingGivesWhatNextGivesAndStopsBeforeTheEndOffset() throws IOException {
        byte[] bytes = io.charrnn.TestCorpora.mixedBytes(4_000, 9);
        long[] malformed = {0};
        List<Integer> expected = decode(bytes, 16, malformed);
        java.util.Random random = new java.util.Random(4);
        Utf8Decoder d = new Utf8Decoder(new ByteArrayInputStream(bytes), 0, 11);
        List<Integer> got = new ArrayList<>();
        int[] out = new int[20];
        long end = 0;
        while (d.hasMore()) {
            int from = random.nextInt(5);
            int n = d.decode(out, from, 1 + random.nextInt(15), end);
            for (int i = 0; i < n; i++) {
                got.add(out[from + i]);
            }
            if (n == 0) {
                assertTrue(d.position() >= end);
                end = d.position() + random.nextInt(9);
            }
        }
        assertEquals(expected, got);
        assertEquals(malformed[0], d.malformedCount());
    }
}
