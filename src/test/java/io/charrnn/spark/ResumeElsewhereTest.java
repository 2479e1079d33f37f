package io.charrnn.spark;

import io.charrnn.TestCorpora;
import io.charrnn.TrainingState;
import io.charrnn.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run started with the defaults (--workers 0, --partitions 0) on 2 task slots and resumed where there are 3 ends
 * with the bits of the same epochs on 2 slots alone: neither the number of workers nor the partitioning of the
 * corpus (which decides where windows are cut) follows the task slots of the cluster a run is resumed on.
 */
class ResumeElsewhereTest {
    @TempDir
    Path dir;

    private static String[] train(Path corpus, Path output, int epochs, int slots) {
        List<String> args = new ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--output",
                output.toUri().toString(), "--hidden", "24", "--window", "100", "--seq-length", "25",
                "--batch-size", "8", "--averaging-frequency", "2", "--epochs", Integer.toString(epochs),
                "--checkpoint-every", "4", "--sample-chars", "0", "--conf", "spark.master=local[" + slots + "]",
                "--conf", "spark.ui.enabled=false",
                // The run goes on with a raised --epochs, where wsd (the default) and cosine would start a cycle
                // of their own; char-rnn's steps are the same for the run that stays.
                "--lr-schedule", "step"));
        return args.toArray(String[]::new);
    }

    @Test
    void aRunResumedOnOtherTaskSlotsEndsAsIfItHadStayed() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 60_000);
        Path straight = dir.resolve("straight");
        Cli reference = Cli.run(train(corpus, straight, 2, 2));
        assertEquals(0, reference.exitCode(), reference.toString());

        Path moved = dir.resolve("moved");
        Cli first = Cli.run(train(corpus, moved, 1, 2));
        assertEquals(0, first.exitCode(), first.toString());
        Cli second = Cli.run(train(corpus, moved, 2, 3));
        assertEquals(0, second.exitCode(), second.toString());
        TrainingState.latest(straight).assertSameAs(TrainingState.latest(moved), "resumed on 3 task slots");
    }
}
