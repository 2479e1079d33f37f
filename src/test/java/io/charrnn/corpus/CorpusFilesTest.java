package io.charrnn.corpus;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CorpusFilesTest {
    @TempDir
    Path dir;

    private List<String> keys(String uri) {
        return CorpusFiles.list(new Configuration(), uri).stream().map(InputFile::name).toList();
    }

    @Test
    void filesAreKeyedByTheirPathBelowTheCorpusSoSameNamesInOtherDirectoriesDiffer() throws Exception {
        Path books = Files.createDirectories(dir.resolve("books"));
        for (String book : List.of("emma", "persuasion")) {
            Files.createDirectories(books.resolve(book));
            Files.writeString(books.resolve(book + "/chapter1.txt"), "text of " + book);
        }
        Files.writeString(books.resolve("_SUCCESS"), "");
        Files.writeString(books.resolve("emma/.chapter1.txt.crc"), "x");
        List<String> expected = List.of("emma/chapter1.txt", "persuasion/chapter1.txt");
        assertEquals(expected, keys(books.toString()));
        assertEquals(expected, keys(books.toUri().toString()));
        assertEquals(expected, keys(books + "/*"), "a directory and dir/* give the same keys");
        assertEquals(expected, keys(books + "/*/chapter*.txt"));
        assertEquals(List.of("chapter1.txt"), keys(books + "/emma/chapter1.txt"), "a single file: its name");

        // Moved elsewhere, the keys (and so the validation split) stay the same.
        Path moved = Files.move(books, dir.resolve("archive"));
        assertEquals(expected, keys(moved.toString()));
    }

    @Test
    void unsupportedCompressionIsRefusedInOneLine() throws Exception {
        Path xz = Files.writeString(dir.resolve("corpus.deflate"), "not really");
        UserError e = assertThrows(UserError.class, () -> CorpusFiles.list(new Configuration(), xz.toString()));
        assertTrue(e.getMessage().contains("decompress it first"), e.getMessage());
    }
}
