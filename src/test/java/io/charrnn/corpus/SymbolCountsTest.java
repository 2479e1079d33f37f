package io.charrnn.corpus;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class SymbolCountsTest {
    @Test
    void aTasksCountsTravelAsTheirSymbolsNotAsTheWholePlane() throws Exception {
        SymbolCounts counts = new SymbolCounts();
        "To be, or not to be: that is the question. \u00e9\u4e2d\ud83d\ude00".codePoints().forEach(counts::add);
        counts.add(0xFFFF);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(counts);
        }
        // The dense plane alone is 512 KiB; these 25 symbols take a few hundred bytes.
        assertTrue(bytes.size() < 2_000, bytes.size() + " bytes");
        SymbolCounts back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (SymbolCounts) in.readObject();
        }
        assertEquals(counts.toMap(), back.toMap());
        assertEquals(counts.total(), back.total());
        back.add('T');
        assertEquals(counts.toMap().get((int) 'T') + 1, back.toMap().get((int) 'T'));
    }
}
