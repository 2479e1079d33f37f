package io.charrnn.corpus;

import io.charrnn.common.UserError;
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

    @Test
    void aRunOrDatasetBesideTheTextIsNotReadAsText() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("book.txt"), "the text");
        Path run = Files.createDirectories(data.resolve("run"));
        Files.writeString(run.resolve(CorpusFiles.RUN_FILE), "{\"format\":\"charrnn-run\",\"version\":1}\n");
        Files.writeString(run.resolve("metrics.jsonl"), "{\"round\":1}\n");
        Path ds = Files.createDirectories(data.resolve("ds/shards-1"));
        Files.writeString(ds.getParent().resolve(CorpusFiles.DATASET_MANIFEST), "{ \"format\" : \"charrnn-dataset\" }");
        Files.writeString(ds.resolve("part-00000"), "ids");
        // A file of that name that is the user's own text is text.
        Path code = Files.createDirectories(data.resolve("code"));
        Files.writeString(code.resolve(CorpusFiles.RUN_FILE), "{\"format\": \"something else\"}");
        List<String> expected = List.of("book.txt", "code/run.json");
        assertEquals(expected, keys(data.toString()));
        assertEquals(expected, keys(data + "/*"), "the nightly glob skips them too");

        UserError e = assertThrows(UserError.class, () -> keys(run.toString()));
        assertTrue(e.getMessage().contains("holds only charrnn runs or prepared datasets"), e.getMessage());
    }
}
