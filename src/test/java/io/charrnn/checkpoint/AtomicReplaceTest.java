package io.charrnn.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** File replaces and create-if-absent on a local disk, watched by other threads while they happen. */
class AtomicReplaceTest {
    @TempDir
    Path dir;

    /** Hadoop's local rename with OVERWRITE deletes the target first: a reader saw it missing in most runs. */
    @Test
    void aReplacedFileIsNeverAbsentNorPartial() throws Exception {
        assertNull(watchReplaces(dir.toUri().toString(), new Configuration(), 1000));
        try (var names = Files.list(dir)) {
            assertEquals(1, names.count(), "no temporary file left");
        }
    }

    /**
     * Replaces {@code latest} of a run directory {@code replaces} times while another thread reads it through its own
     * RunDirectory; null when the reader always found a whole file, never older than one it had read, else what it
     * saw.
     */
    static String watchReplaces(String uri, Configuration conf, int replaces) throws Exception {
        RunDirectory reader = new RunDirectory(uri, conf);
        return watchReplaces(uri, conf, replaces, () -> reader.readText("latest"));
    }

    /** As above, the file read by {@code read} instead (empty where it is absent). */
    static String watchReplaces(String uri, Configuration conf, int replaces, Callable<Optional<String>> read)
            throws Exception {
        RunDirectory run = new RunDirectory(uri, conf);
        run.writeText("latest", "ckpt_0.zip\n");
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<String> watched = pool.submit(() -> {
            int newest = 0;
            while (!done.get()) {
                String text = read.call().orElse(null);
                if (text == null) {
                    return "absent after " + reads.get() + " reads";
                }
                if (!text.matches("ckpt_\\d+\\.zip\n")) {
                    return "partial: '" + text + "' after " + reads.get() + " reads";
                }
                // Never an older file than one already read: a store or client that caches what it read would.
                int number = Integer.parseInt(text.substring(5, text.indexOf('.')));
                if (number < newest) {
                    return "ckpt_" + number + " read after ckpt_" + newest;
                }
                newest = number;
                reads.incrementAndGet();
            }
            return null;
        });
        for (int i = 1; i <= replaces; i++) {
            run.writeText("latest", "ckpt_" + i + ".zip\n");
        }
        done.set(true);
        String seen = watched.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        if (seen == null && reads.get() < 20) {
            return "the reader read only " + reads.get() + " times while the file was replaced";
        }
        if (seen == null && !read.call().orElse("").equals("ckpt_" + replaces + ".zip\n")) {
            return "the last replace is not what the file holds";
        }
        return seen;
    }

    @Test
    void ofThreadsCreatingOneFileAtOnceExactlyOneSucceeds() throws Exception {
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int attempt = 0; attempt < 20; attempt++) {
            String name = "lock-" + attempt;
            CyclicBarrier together = new CyclicBarrier(threads);
            var results = new java.util.ArrayList<Future<Boolean>>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    RunDirectory run = new RunDirectory(dir.toUri().toString(), new Configuration());
                    together.await();
                    return run.createIfAbsent(name, "owner " + id + "\n");
                }));
            }
            int created = 0;
            for (Future<Boolean> f : results) {
                created += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, created, "attempt " + attempt);
            assertTrue(Files.readString(dir.resolve(name)).matches("owner \\d\n"));
        }
        pool.shutdown();
    }
}
