package io.charrnn.session;

import io.charrnn.TestCorpora;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.checkpoint.RunLock;
import io.charrnn.common.Json;
import io.charrnn.common.UserError;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.training.Averaging;
import io.charrnn.training.LocalRoundRunner;
import io.charrnn.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a start decides from what {@code --output} holds, without Spark and without training (but for the one case
 * that needs a checkpoint): each case in milliseconds.
 */
class RunStartTest {
    private static final Duration STALE = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private TrainConfig config(Path output, int hidden, int epochs) {
        return config("verse", output, hidden, epochs);
    }

    private TrainConfig config(String corpus, Path output, int hidden, int epochs) {
        ModelConfig model = new ModelConfig(1, hidden, 10, 0, 1e-2, 5, 11, LstmImplementation.FUSED);
        return new TrainConfig(corpus, output.toString(), model, 40, 4, 2, 0.1, epochs, 0, 5, 1, 100_000, 0, 0.5,
                1, 0, null, new Averaging(Averaging.Mode.OUTER, 1.0, null, 0), null, 0, null, null, 0);
    }

    private static RunDirectory runIn(Path output) {
        return new RunDirectory(output.toUri().toString(), new Configuration());
    }

    private static RunStart open(Path output, TrainConfig config, boolean resume, boolean overwrite) {
        return RunStart.open(runIn(output), config, STALE, resume, overwrite);
    }

    @Test
    void aNewDirectoryStartsARunAndRecordsItsSettingsAndFormat() throws Exception {
        Path output = dir.resolve("new");
        try (RunStart start = open(output, config(output, 16, 1), false, false)) {
            assertNull(start.resumed());
            assertTrue(Files.exists(output.resolve(RunLock.FILE)), "the lock is held while the start is open");
        }
        assertFalse(Files.exists(output.resolve(RunLock.FILE)), "closing the start releases the lock");
        var runFile = Json.mapper().readTree(Files.readString(output.resolve(RunDirectory.RUN_FILE)));
        assertEquals("charrnn-run", runFile.get("format").asText());
        assertEquals(16, runFile.get("config").get("model").get("hidden").asInt());
    }

    @Test
    void theSameSettingsContinueARunAndOtherSettingsAreRefusedWithTheirDifferences() {
        Path output = dir.resolve("run");
        open(output, config(output, 16, 1), false, false).close();
        // No checkpoint yet (the job before was killed before its first): the run starts again in place.
        try (RunStart again = open(output, config(output, 16, 1), false, false)) {
            assertNull(again.resumed());
        }
        assertEquals(RunStart.Kind.RESUME, RunStart.decide(runIn(output), config(output, 16, 1), false, false));
        UserError other = assertThrows(UserError.class, () -> open(output, config(output, 32, 1), false, false));
        assertEquals("--output " + output + " holds a run with other settings (--hidden 16 (not 32)); use its"
                + " settings to continue it (--resume), or --overwrite to replace it", other.getMessage());
    }

    @Test
    void aPasswordInTheCorpusUriIsNotWrittenDownAndTheSameCommandStillContinuesTheRun() throws Exception {
        Path output = dir.resolve("run");
        TrainConfig withPassword = config("ftp://alice:PW-1@host/corpus.txt", output, 16, 1);
        open(output, withPassword, false, false).close();
        String runFile = Files.readString(output.resolve(RunDirectory.RUN_FILE));
        assertFalse(runFile.contains("PW-1"), runFile);
        assertTrue(runFile.contains("ftp://alice:*********(redacted)@host/corpus.txt"), runFile);
        assertEquals(RunStart.Kind.RESUME, RunStart.decide(runIn(output), withPassword, false, false));
        UserError other = assertThrows(UserError.class, () -> RunStart.decide(runIn(output),
                config("ftp://alice:PW-1@host/other.txt", output, 16, 1), false, false));
        assertFalse(other.getMessage().contains("PW-1"), other.getMessage());
    }

    @Test
    void overwriteReplacesTheRunAndKeepsNothingOfIt() throws Exception {
        Path output = dir.resolve("run");
        open(output, config(output, 16, 1), false, false).close();
        Files.writeString(output.resolve("metrics.jsonl"), "{\"round\":1}\n");
        open(output, config(output, 32, 1), false, true).close();
        assertEquals(List.of(RunDirectory.RUN_FILE), names(output));
        assertEquals(32, Json.mapper().readTree(Files.readString(output.resolve(RunDirectory.RUN_FILE)))
                .get("config").get("model").get("hidden").asInt());
    }

    @Test
    void directoriesThatHoldNoRunAndResumesOfNothingAreRefused() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        UserError notEmpty = assertThrows(UserError.class, () -> open(other, config(other, 16, 1), false, false));
        assertTrue(notEmpty.getMessage().contains("is not empty and holds no charrnn run"), notEmpty.getMessage());
        assertEquals(List.of("notes.txt"), names(other), "nothing was written into it, not even a lock");

        Path empty = dir.resolve("empty");
        UserError nothing = assertThrows(UserError.class, () -> open(empty, config(empty, 16, 1), true, false));
        assertTrue(nothing.getMessage().contains("holds no run to resume; drop --resume"), nothing.getMessage());
        // The refusal released the lock: a plain start of the same directory goes ahead.
        open(empty, config(empty, 16, 1), false, false).close();

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        UserError aFile = assertThrows(UserError.class, () -> open(file, config(file, 16, 1), false, false));
        assertEquals("--output " + file + " is a file; give a directory for the run", aFile.getMessage());
    }

    @Test
    void aRunWhoseEpochsAreDoneHasNothingToDoUntilEpochsAreRaised() throws Exception {
        Path corpusFile = TestCorpora.writeVerse(dir, 24_000);
        LocalCorpus corpus = LocalCorpus.read(new Configuration(), corpusFile.toUri().toString(),
                CorpusOptions.defaults(0.1));
        Path output = dir.resolve("run");
        TrainConfig oneEpoch = config(output, 16, 1);
        try (RunStart start = open(output, oneEpoch, false, false);
             LocalRoundRunner runner = new LocalRoundRunner(corpus, 40, 100_000)) {
            new TrainingSession(oneEpoch, runIn(output), runner, new Configuration()).train(start.resumed());
        }
        NothingToDo done = assertThrows(NothingToDo.class, () -> open(output, oneEpoch, false, false));
        assertTrue(done.getMessage().startsWith(output + " has finished 1 of 1 epochs (validation loss "),
                done.getMessage());
        try (RunStart more = open(output, config(output, 16, 2), false, false)) {
            assertNotNull(more.resumed(), "the newest checkpoint, read at the start");
            assertEquals(1, more.resumed().meta().progress().epoch());
        }
    }

    private static List<String> names(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
