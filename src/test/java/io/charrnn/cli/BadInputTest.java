package io.charrnn.cli;

import io.charrnn.TestCorpora;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void outputInsideTheCorpusDirectory() throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("texts"));
        TestCorpora.writeProse(corpus, 30_000);
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output",
                corpus.resolve("runs/one").toUri().toString()), "is inside --corpus");
        assertUserError(Cli.run("train", "--corpus", corpus.toUri().toString(), "--output", corpus.toString()),
                "is inside --corpus");
        // prepare too: a second prepare would read the first one's shards and manifest as text.
        assertUserError(Cli.run("prepare", "--corpus", corpus.toString(), "--output",
                corpus.resolve("ds").toString()), "is inside --corpus");
        assertTrue(Files.notExists(corpus.resolve("ds")), "refused before anything is written");
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
    void outputThatCannotBeCreated() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 20_000);
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", file.resolve("run").toString()),
                "cannot be created");
        assertUserError(Cli.run("prepare", "--corpus", corpus.toString(), "--output", file.resolve("ds").toString()),
                "cannot be created");
    }

    @Test
    void anUnreachableFilesystemIsAFaultNotAUserError() {
        // Nothing listens on port 1: the same command would work once the NameNode is back, so exit 1, not 2.
        Cli result = Cli.run("train", "--corpus", "hdfs://127.0.0.1:1/corpora/books", "--output", out(),
                "--conf", "spark.hadoop.ipc.client.connect.max.retries=0");
        assertEquals(Main.FAILURE, result.exitCode(), result.toString());
        assertEquals(1, result.err().strip().lines().count(), result.toString());
        assertTrue(result.err().startsWith("charrnn: failed: ") && result.err().contains("Connect"),
                result.toString());
    }

    @Test
    void aServersErrorIsOneLineAndAFullFilesystemSaysWhatToDo() {
        // HDFS's errors come as a RemoteException whose message holds the server's stack trace.
        Cli full = Cli.reported(new java.io.UncheckedIOException(new org.apache.hadoop.ipc.RemoteException(
                "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException", "The DiskSpace quota of /runs/a is"
                + " exceeded: quota = 1 MB\n\tat org.apache.hadoop.hdfs.server.namenode.FSDirectory.verifyQuota")));
        assertEquals(Main.FAILURE, full.exitCode());
        assertEquals(1, full.err().strip().lines().count(), full.err());
        assertTrue(full.err().startsWith("charrnn: failed: DSQuotaExceededException: The DiskSpace quota of /runs/a"
                + " is exceeded: quota = 1 MB; make room on that filesystem (or raise its quota), then run the same"
                + " command to continue from the last checkpoint"), full.err());
        Cli disk = Cli.reported(new java.io.IOException("No space left on device"));
        assertTrue(disk.err().contains("make room"), disk.err());
    }

    @Test
    void globMatchingNothing() {
        assertUserError(Cli.run("train", "--corpus", dir.resolve("*.txt").toString(), "--output", out()),
                "corpus not found");
    }

    @Test
    void corpusShorterThanOneWindow() throws Exception {
        Path small = TestCorpora.writeProse(dir, 600);
        Cli result = Cli.run("train", "--corpus", small.toString(), "--output", out(), "--window", "1000",
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertUserError(result, "shorter than one training window");
    }

    @Test
    void aModelTooLargeToShipIsRefusedBeforeItIsAllocated() throws Exception {
        // 2 x 4096: about 201 M parameters, 2.2 GiB with Adam's state; refused in one line without allocating them.
        Path small = TestCorpora.writeProse(dir, 20_000);
        Cli result = Cli.run("train", "--corpus", small.toString(), "--output", out(), "--hidden", "4096",
                "--window", "100", "--seq-length", "50", "--conf", "spark.master=local[1]",
                "--conf", "spark.ui.enabled=false");
        assertUserError(result, "use a smaller --hidden or fewer --layers");
        assertTrue(result.err().contains("GiB"), result.toString());
    }

    @Test
    void directoryWithNoFiles() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("corpus/sub"));
        Files.writeString(empty.resolve("_SUCCESS"), "");
        String corpus = dir.resolve("corpus").toString();
        assertUserError(Cli.run("prepare", "--corpus", corpus, "--output", out()), "corpus has no files");
        assertUserError(Cli.run("train", "--corpus", corpus, "--output", out()), "corpus has no files");
        assertUserError(Cli.run("bench", "--corpus", corpus, "--single-process"), "corpus has no files");
    }

    @Test
    void productsOfNoModel() throws Exception {
        assertUserError(Cli.run("bench", "--corpus", "unread", "--products", "0"), "--products takes the number");
        assertUserError(Cli.run("bench", "--corpus", "unread", "--products", "65", "--hidden", "0"),
                "--hidden must be between 1 and 8192");
    }

    @Test
    void binaryFile() throws Exception {
        byte[] noise = new byte[200_000];
        new java.util.Random(1).nextBytes(noise);
        Path binary = Files.write(dir.resolve("weights.bin"), noise);
        Cli result = Cli.run("prepare", "--corpus", binary.toString(), "--output", out(),
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertUserError(result, "does not look like UTF-8 text");
        assertTrue(result.err().contains("weights.bin") && result.err().contains("--max-malformed"), result.err());
    }

    @Test
    void corruptGzipFile() throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        TestCorpora.writeProse(corpus, 20_000);
        byte[] gz;
        try (var bytes = new java.io.ByteArrayOutputStream();
             var out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(TestCorpora.prose(50_000).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.finish();
            gz = bytes.toByteArray();
        }
        for (int i = 40; i < gz.length - 20; i += 7) {
            gz[i] ^= 0x5a; // damage the deflate stream, not the header
        }
        Files.write(corpus.resolve("part2.txt.gz"), gz);
        Cli result = Cli.run("prepare", "--corpus", corpus.toString(), "--output", out(),
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertUserError(result, "cannot decompress");
        assertTrue(result.err().contains("part2.txt.gz"), result.err());
    }

    @Test
    void vocabularyOverTheCapWithoutTheUnknownSymbol() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 20_000);
        Cli result = Cli.run("prepare", "--corpus", corpus.toString(), "--output", out(), "--max-vocab", "20",
                "--unknown-symbol", "never", "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertUserError(result, "--unknown-symbol never");
        assertUserError(Cli.run("prepare", "--corpus", corpus.toString(), "--output", out(), "--max-vocab", "1"),
                "--max-vocab must be between 2");
    }

    /** A small prepared dataset in dir/ds. */
    private Path prepared() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 30_000);
        Path ds = dir.resolve("ds");
        Cli result = Cli.run("prepare", "--corpus", corpus.toString(), "--output", ds.toString(),
                "--conf", "spark.master=local[1]", "--conf", "spark.ui.enabled=false");
        assertTrue(result.exitCode() == 0, result.toString());
        return ds;
    }

    @Test
    void preparedDatasetOfAnotherVersionOrChangedAfterPrepare() throws Exception {
        Path ds = prepared();
        Path manifest = ds.resolve("dataset.json");
        String json = Files.readString(manifest);

        Files.writeString(manifest, json.replace("\"version\" : 1,", "\"version\" : 99,"));
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--epochs", "1"), "format version 99");

        Files.writeString(manifest, json.replaceFirst("\"symbols\" : \\d+", "\"symbols\" : 5"));
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--epochs", "1"),
                "does not match its fingerprint");

        Files.writeString(manifest, json);
        // A real checkpoint, so that eval gets as far as the shard.
        String model = dir.resolve("model").toUri().toString();
        Cli trained = Cli.run("train", "--corpus", ds.toString(), "--output", model, "--epochs", "1", "--hidden", "8",
                "--window", "50", "--seq-length", "25", "--sample-chars", "0", "--conf", "spark.master=local[1]",
                "--conf", "spark.ui.enabled=false");
        assertEquals(0, trained.exitCode(), trained.toString());
        Path shards;
        try (var entries = Files.list(ds)) {
            shards = entries.filter(p -> p.getFileName().toString().startsWith("shards-")).findFirst().orElseThrow();
        }
        Path shard = shards.resolve("part-00000");
        // Rewritten after prepare, by a tool that leaves Hadoop's side file alone (as an HDFS rewrite would pass
        // its block checksums): two symbols of the first run swapped, the size the same.
        Files.delete(shards.resolve(".part-00000.crc"));
        byte[] original = Files.readAllBytes(shard);
        byte[] swapped = original.clone();
        int first = 11; // the header (6 bytes), the first run's flags (1) and length (4)
        int other = first + 1;
        while (swapped[other] == swapped[first]) {
            other++;
        }
        swapped[first] = original[other];
        swapped[other] = original[first];
        Files.write(shard, swapped);
        assertUserError(Cli.run("eval", "--checkpoint", model, "--corpus", ds.toString()),
                "does not match its fingerprint (its bytes changed after prepare");
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--epochs", "1"),
                "does not match its fingerprint (its bytes changed after prepare");
        Files.write(shard, original);
        Files.write(shard, new byte[]{1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertUserError(Cli.run("eval", "--checkpoint", model, "--corpus", ds.toString()),
                "does not match its fingerprint: shard part-00000");
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--epochs", "1"),
                "does not match its fingerprint: shard part-00000");
        Files.delete(shard);
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--epochs", "1"), "lacks shard part-00000");
    }

    @Test
    void preparedDatasetMisused() throws Exception {
        Path ds = prepared();
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--val-fraction", "0.2"),
                "does not apply");
        assertUserError(Cli.run("train", "--corpus", ds.toString(), "--output", out(), "--min-count", "3"),
                "--min-count do(es) not apply");
        assertUserError(Cli.run("prepare", "--corpus", ds.toString(), "--output", out()),
                "already a prepared dataset");
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertUserError(Cli.run("prepare", "--corpus", TestCorpora.writeProse(dir, 30_000).toString(), "--output",
                other.toString()), "is not a prepared dataset");
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
        assertUserError(Cli.run("train", "--corpus", "c.txt", "--output", out(), "--layers", "0"),
                "--layers must be between");
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
        Path corpus = TestCorpora.writeProse(dir, 5000);
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}");
        Cli result = Cli.run("train", "--corpus", corpus.toString(), "--output", run.toUri().toString());
        assertUserError(result, "already holds a training run");
        assertTrue(result.err().contains("--resume") && result.err().contains("--overwrite"), result.err());

        // A bench times a new run: it neither resumes that run nor deletes it unasked.
        Files.writeString(run.resolve("ckpt_epoch1.00_val2.1899.zip"), "someone's work");
        assertUserError(Cli.run("bench", "--corpus", corpus.toString(), "--output", run.toUri().toString(),
                "--single-process"), "a bench times a new one");
        assertTrue(Files.exists(run.resolve("ckpt_epoch1.00_val2.1899.zip")), "the run is kept");
    }

    @Test
    void outputThatIsNotARunOrIsAFile() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 5000);
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", other.toString()),
                "holds no charrnn run");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", corpus.toString()),
                "is a file; give a directory");
        assertUserError(Cli.run("train", "--corpus", corpus.toString(), "--output", out(), "--resume"),
                "holds no run to resume");
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
