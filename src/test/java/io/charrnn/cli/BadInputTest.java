package io.charrnn.cli;

import io.charrnn.TestCorpora;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every user mistake gets one clear line and exit code 2, never a stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    private static void assertUserError(Cli result, String expected) {
        assertTrue(result.isOneLineUserError(), result.toString());
        assertTrue(result.err().contains(expected), "expected '" + expected + "' in:\n" + result.err());
    }

    private String out() {
        return dir.resolve("run").toUri().toString();
    }

    @Test
    void missingCorpus() {
        assertUserError(Cli.run("train", "--corpus", dir.resolve("nope.txt").toString(), "--output", out()),
                "corpus not found");
    }

    @Test
    void emptyCorpus() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        assertUserError(Cli.run("train", "--corpus", empty.toString(), "--output", out()), "corpus is empty");
    }

    @Test
    void globMatchingNothing() {
        assertUserError(Cli.run("train", "--corpus", dir.resolve("*.txt").toString(), "--output", out()),
                "corpus not found");
    }

    @Test
    void corpusShorterThanOneWindow() throws Exception {
        Path small = TestCorpora.writeShakespeare(dir, 600);
        Cli result = Cli.run("train", "--corpus", small.toString(), "--output", out(), "--window", "1000",
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertUserError(result, "shorter than one training window");
    }

    @Test
    void singleProcessBenchOfADirectory() {
        assertUserError(Cli.run("bench", "--corpus", dir.toString(), "--single-process"), "reads one text file");
    }

    @Test
    void unknownLstmImplementation() {
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--lstm", "cudnn"), "--lstm");
    }

    @Test
    void nonNumericOption() {
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--hidden", "abc"),
                "'abc' is not an int");
    }

    @Test
    void outOfRangeOptions() {
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--dropout", "1.5"), "--dropout");
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--layers", "0"), "--layers");
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--seq-length", "2000"),
                "--seq-length");
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--learning-rate", "-1"),
                "--learning-rate");
        assertUserError(Cli.run("sample", "--checkpoint", out(), "--temperature", "0"), "--temperature");
        assertUserError(Cli.run("sample", "--checkpoint", out(), "--length", "-3"), "--length");
    }

    @Test
    void missingRequiredOptionAndUnknownOption() {
        assertUserError(Cli.run("train", "--output", out()), "--corpus");
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--hiden", "3"), "--hiden");
        assertUserError(Cli.run("trian"), "trian");
    }

    @Test
    void outputHoldingAnotherRunIsRefusedWithTheFlagsThatResolveIt() throws Exception {
        Path corpus = TestCorpora.writeShakespeare(dir, 5000);
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}");
        Cli result = Cli.run("train", "--corpus", corpus.toString(), "--output", run.toUri().toString());
        assertUserError(result, "already holds a training run");
        assertTrue(result.err().contains("--resume") && result.err().contains("--overwrite"), result.err());
    }

    @Test
    void outputThatIsNotARunOrIsAFile() throws Exception {
        Path corpus = TestCorpora.writeShakespeare(dir, 5000);
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", other.toString()),
                "holds no charrnn run");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", corpus.toString()),
                "is a file");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", out(), "--resume"),
                "no run to resume");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", out(), "--resume",
                "--overwrite"), "exclude each other");
    }

    @Test
    void checkpointThatDoesNotExistOrIsNotACheckpoint() throws Exception {
        assertUserError(Cli.run("sample", "--checkpoint", dir.resolve("missing.zip").toString()), "not found");
        Path text = Files.writeString(dir.resolve("model.zip"), "not a zip at all");
        assertUserError(Cli.run("sample", "--checkpoint", text.toString()), "not a charrnn checkpoint");
        assertUserError(Cli.run("sample", "--checkpoint", dir.toString()), "holds no checkpoint");
    }
}
