package io.charrnn.spark;

import io.charrnn.ChildJvm;
import io.charrnn.TestCorpora;
import io.charrnn.cli.Cli;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.dataset.PreparedDataset;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A prepare killed (SIGKILL) after writing its new shards but before switching the manifest leaves the previous
 * dataset complete and readable; the next prepare finishes and removes what the killed one left.
 */
class PrepareKillTest {
    @TempDir
    Path dir;

    private static List<String> entries(Path ds) throws Exception {
        try (Stream<Path> s = Files.list(ds)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aKilledPrepareLeavesThePreviousDatasetReadable() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.writeString(raw.resolve("a.txt"), TestCorpora.prose(200_000));
        Path ds = dir.resolve("ds");
        List<String> prepare = List.of("prepare", "--corpus", raw.toString(), "--output", ds.toString(),
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        Cli first = Cli.run(prepare.toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.toString());
        Configuration conf = new Configuration();
        DatasetManifest before = PreparedDataset.open(conf, ds.toString()).manifest();

        Files.writeString(raw.resolve("b.txt"), TestCorpora.prose(100_000));
        ChildJvm child = ChildJvm.start(dir, prepare, "-D" + io.charrnn.checkpoint.FaultPoints.PAUSE_BEFORE_RENAME + "="
                + io.charrnn.dataset.PreparedDataset.MANIFEST + ":60000");
        child.await(() -> {
            try {
                return entries(ds).stream().filter(n -> n.startsWith(PreparedDataset.SHARDS_PREFIX)).count() == 2;
            } catch (Exception e) {
                return false;
            }
        }, "the new shard directory");
        child.kill();

        PreparedDataset survivor = PreparedDataset.open(conf, ds.toString());
        assertEquals(before.fingerprint(), survivor.manifest().fingerprint(), "the previous dataset is still current");
        assertEquals(200_000, survivor.manifest().symbols());

        Cli again = Cli.run(prepare.toArray(String[]::new));
        assertEquals(0, again.exitCode(), again.toString());
        DatasetManifest after = PreparedDataset.open(conf, ds.toString()).manifest();
        assertEquals(300_000, after.symbols());
        List<String> left = entries(ds);
        assertEquals(1, left.stream().filter(n -> n.startsWith(PreparedDataset.SHARDS_PREFIX)).count(), left.toString());
        assertTrue(left.stream().noneMatch(n -> n.startsWith("_")), "leftovers: " + left);
        assertTrue(child.process().waitFor(1, TimeUnit.SECONDS));
    }

    /**
     * Prepares killed with SIGKILL inside the manifest's replace (after its temporary file is synced, and after the
     * rename, before older shard directories are deleted): after each kill the dataset opens complete, as the old
     * one or the new one, and the next prepare ends with exactly the shards of an uninterrupted prepare.
     */
    @Test
    void killsInsideTheManifestReplaceLoseNothing() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.writeString(raw.resolve("a.txt"), TestCorpora.prose(200_000));
        Path ds = dir.resolve("ds");
        Cli first = Cli.run(prepare(raw, ds).toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.toString());
        Files.writeString(raw.resolve("b.txt"), TestCorpora.prose(100_000));
        Path reference = dir.resolve("reference");
        Cli uninterrupted = Cli.run(prepare(raw, reference).toArray(String[]::new));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.toString());

        Configuration conf = new Configuration();
        for (String kill : new String[]{io.charrnn.checkpoint.FaultPoints.REPLACE_WRITTEN + ":1",
                io.charrnn.checkpoint.FaultPoints.REPLACE_RENAMED + ":1"}) {
            ChildJvm child = ChildJvm.start(dir, prepare(raw, ds), "-D" + io.charrnn.checkpoint.FaultPoints.PROPERTY
                    + "=" + kill);
            assertTrue(child.process().waitFor(3, TimeUnit.MINUTES), "prepare did not end");
            assertEquals(137, child.process().exitValue(), "expected a SIGKILL at " + kill + ": " + child.tail());
            long symbols = PreparedDataset.open(conf, ds.toString()).manifest().symbols();
            assertEquals(kill.startsWith(io.charrnn.checkpoint.FaultPoints.REPLACE_WRITTEN) ? 200_000 : 300_000,
                    symbols, "the dataset after a kill at " + kill);
        }
        Cli last = Cli.run(prepare(raw, ds).toArray(String[]::new));
        assertEquals(0, last.exitCode(), last.toString());
        assertEquals(shardBytes(conf, reference), shardBytes(conf, ds), "the shards of an uninterrupted prepare");
        List<String> left = entries(ds);
        assertEquals(1, left.stream().filter(n -> n.startsWith(PreparedDataset.SHARDS_PREFIX)).count(), left.toString());
        assertTrue(left.stream().noneMatch(n -> n.startsWith("_")), "leftovers: " + left);
    }

    private static List<String> prepare(Path raw, Path output) {
        return List.of("prepare", "--corpus", raw.toString(), "--output", output.toString(),
                "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
    }

    /** Each shard's name and SHA-256, in order. */
    private static List<String> shardBytes(Configuration conf, Path ds) throws Exception {
        PreparedDataset dataset = PreparedDataset.open(conf, ds.toString());
        List<String> out = new java.util.ArrayList<>();
        for (DatasetManifest.Shard shard : dataset.manifest().shards()) {
            org.apache.hadoop.fs.Path shardPath = new org.apache.hadoop.fs.Path(dataset.shardUri(shard.name()));
            byte[] bytes;
            try (var in = shardPath.getFileSystem(conf).open(shardPath)) {
                bytes = in.readAllBytes();
            }
            out.add(shard.name() + " " + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        return out;
    }
}
