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
        ChildJvm child = ChildJvm.start(dir, prepare, "-D" + Preparer.PAUSE_BEFORE_MANIFEST_PROPERTY + "=60000");
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
}
