package io.charrnn.checkpoint;

import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.model.Minibatches;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    static final Vocabulary VOCAB = Vocabulary.fromCounts(Map.of((int) 'x', 4L, (int) 'y', 2L, (int) '\n', 1L));
    static final ModelConfig MODEL = new ModelConfig(1, 8, 5, 0, 1e-2, 5, 3, LstmImplementation.FUSED);
    static final TrainConfig TRAIN = new TrainConfig("file:/c.txt", "file:/run", MODEL, 10, 4, 2, 0.05, 3, 0, 5, 0,
            1000, 0, 1, 0, 0, null, null, null, 0, null, null, 0);

    /** An epoch of {@code rounds} rounds. */
    static io.charrnn.training.RoundPlan plan(int rounds) {
        return new io.charrnn.training.RoundPlan(rounds, 1, 1, 1);
    }

    static MultiLayerNetwork trainedALittle() {
        MultiLayerNetwork net = CharLstm.create(MODEL, VOCAB.size());
        var windows = List.of(new io.charrnn.corpus.EncodedWindow(false, new short[]{0, 1, 2, 1, 0, 1, 2, 1, 0,
                1, 2}));
        for (int i = 0; i < 3; i++) {
            net.fit(Minibatches.toDataSet(windows));
        }
        return net;
    }

    @Test
    void roundTripKeepsParametersUpdaterStateAndMetadata() {
        MultiLayerNetwork net = trainedALittle();
        Progress progress = Progress.start(plan(4)).afterRound(plan(4), 100, 1.5, 1.9).withValidation(1.7);
        byte[] bytes = new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, progress)).toBytes();

        Checkpoint back = Checkpoint.fromBytes(bytes, "test", true);
        assertArrayEquals(bits(net.params()), bits(back.network().params()));
        assertArrayEquals(bits(net.getUpdater().getStateViewArray()),
                bits(back.network().getUpdater().getStateViewArray()));
        assertEquals(VOCAB, back.meta().vocabulary());
        assertEquals(TRAIN, back.meta().train());
        assertEquals(progress, back.meta().progress());
        assertEquals(net.getLayerWiseConfigurations().getIterationCount(),
                back.network().getLayerWiseConfigurations().getIterationCount());
    }

    @Test
    void aCheckpointIsAlsoAPlainDl4jModel() throws Exception {
        MultiLayerNetwork net = trainedALittle();
        byte[] bytes = new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, Progress.start(plan(1)))).toBytes();
        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
        assertArrayEquals(bits(net.params()), bits(plain.params()));
    }

    @Test
    void namesFollowCharRnn() {
        assertEquals("ckpt_epoch2.50_val1.8342.zip", CheckpointName.of(2.5, 1.83421));
        assertEquals(1.8342, CheckpointName.valLoss("ckpt_epoch2.50_val1.8342.zip"), 1e-9);
    }

    @Test
    void filesThatAreNotCheckpointsAreUserErrors(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        UserError e = assertThrows(UserError.class,
                () -> RunDirectory.resolve(text.toUri().toString(), new Configuration(), false));
        assertTrue(e.getMessage().contains("not a charrnn checkpoint"), e.getMessage());

        Path missing = dir.resolve("nope.zip");
        e = assertThrows(UserError.class,
                () -> RunDirectory.resolve(missing.toUri().toString(), new Configuration(), false));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());

        e = assertThrows(UserError.class, () -> RunDirectory.resolve(dir.toUri().toString(), new Configuration(),
                false));
        assertTrue(e.getMessage().contains("holds no checkpoint"), e.getMessage());
    }

    @Test
    void runDirectoryWritesAtomicallyAndResolvesTheBestCheckpoint(@TempDir Path dir) {
        RunDirectory run = new RunDirectory(dir.resolve("run").toUri().toString(), new Configuration());
        assertTrue(run.isEmpty());
        MultiLayerNetwork net = trainedALittle();
        Progress first = Progress.start(plan(2)).afterRound(plan(2), 10, 1, 2.0).withValidation(2.0);
        Progress second = first.afterRound(plan(2), 10, 1, 2.5).withValidation(2.4);
        String a = CheckpointName.of(first.epochFraction(), first.valLoss());
        String b = CheckpointName.of(second.epochFraction(), second.valLoss());
        run.saveCheckpoint(a, new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, first)).toBytes(), first.isBest());
        run.saveCheckpoint(b, new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, second)).toBytes(),
                second.isBest());
        assertEquals(b, run.pointer(RunDirectory.LATEST).orElseThrow());
        assertEquals(a, run.pointer(RunDirectory.BEST).orElseThrow());
        assertEquals(List.of(a, b), run.checkpointNames());
        Checkpoint best = RunDirectory.resolve(run.uri(), new Configuration(), false);
        assertEquals(2.0, best.meta().progress().valLoss());
        // No temporary file is left visible after the writes.
        try (var files = Files.list(dir.resolve("run"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("_tmp")));
        } catch (java.io.IOException e) {
            fail(e);
        }
    }

    @Test
    void withoutABestPointerTheLowestLossInTheNamesWins(@TempDir Path dir) {
        RunDirectory run = new RunDirectory(dir.toUri().toString(), new Configuration());
        MultiLayerNetwork net = trainedALittle();
        for (double loss : new double[]{2.2, 1.9, 2.1}) {
            Progress p = Progress.start(plan(1)).withValidation(loss);
            run.writeAtomically(CheckpointName.of(p.epochFraction(), loss),
                    new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, p)).toBytes());
        }
        assertEquals(1.9, RunDirectory.resolve(run.uri(), new Configuration(), false).meta().progress().valLoss());
    }

    @Test
    void localRunFilesHaveNoChecksumSideFilesWhoseSeparateRenameCouldTearOnAKill(@TempDir Path dir) throws Exception {
        RunDirectory run = new RunDirectory(dir.toUri().toString(), new Configuration());
        run.writeText(RunDirectory.METRICS_FILE, "{}\n");
        run.writeText(RunDirectory.METRICS_FILE, "{}\n{}\n");
        run.saveCheckpoint(CheckpointName.of(1, 2), new Checkpoint(trainedALittle(),
                CheckpointMeta.of(VOCAB, TRAIN, Progress.start(plan(1)))).toBytes(), true);
        try (var files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertEquals(List.of("best", CheckpointName.of(1, 2), "latest", RunDirectory.METRICS_FILE), names);
        }
    }

    @Test
    void aZipBombIsRefusedBeforeItIsInflated(@TempDir Path dir) throws Exception {
        // 100 MB of zeros deflate to about 100 KB: far more than any entry of a real checkpoint of that size holds.
        Path bomb = dir.resolve("ckpt_epoch1.00_val2.0000.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("coefficients.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        UserError e = assertThrows(UserError.class, () -> RunDirectory.resolve(bomb.toUri().toString(),
                new Configuration(), false));
        assertTrue(e.getMessage().contains("inflates to more than 64 MB"), e.getMessage());
    }

    @Test
    void aDamagedCheckpointNeverLoadsWithOtherWeights(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = trainedALittle();
        byte[] bytes = new Checkpoint(net, CheckpointMeta.of(VOCAB, TRAIN, Progress.start(plan(1)))).toBytes();
        Path file = dir.resolve("ckpt_epoch1.00_val2.0000.zip");
        int detected = 0;
        // Flip one bit at a time all through the file: each damaged copy is refused, or (a flip in a zip header
        // field nobody reads, such as a timestamp) loads exactly the original network.
        for (int at = 0; at < bytes.length; at += 97) {
            byte[] damaged = bytes.clone();
            damaged[at] ^= 0x10;
            Files.write(file, damaged);
            try {
                Checkpoint loaded = RunDirectory.resolve(file.toUri().toString(), new Configuration(), true);
                assertArrayEquals(bits(net.params()), bits(loaded.network().params()),
                        "byte " + at + " changed the weights");
                assertArrayEquals(bits(net.getUpdater().getStateViewArray()),
                        bits(loaded.network().getUpdater().getStateViewArray()));
            } catch (UserError e) {
                detected++;
                // What the user sees: one line, exit 2 (repair or remove the file, or resume from another).
                io.charrnn.cli.Cli seen = io.charrnn.cli.Cli.reported(e);
                assertEquals(io.charrnn.cli.Main.USER_ERROR, seen.exitCode(), seen.toString());
                assertTrue(seen.err().contains("is damaged") || seen.err().contains("not a charrnn checkpoint"),
                        "byte " + at + ": " + seen.err());
            }
        }
        assertTrue(detected > bytes.length / 97 / 2, "most flips must be detected: " + detected);
    }
}
