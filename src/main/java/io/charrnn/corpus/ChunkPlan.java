package io.charrnn.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * Deals a corpus's files into task partitions of about equal size: large plain files are cut into several chunks,
 * small files are packed together in listing order (a directory of many small files does not become one task per
 * file), and compressed files stay whole.
 */
public final class ChunkPlan {
    /** Chunks are never cut smaller than this: a task has start-up costs. */
    public static final long MIN_CHUNK_BYTES = 1L << 20;
    /** Automatic partitioning aims at chunks of about this size. */
    public static final long TARGET_CHUNK_BYTES = 32L << 20;

    private ChunkPlan() {
    }

    /** Automatic partitioning asks for at least this many (chunks of at least 1 MiB still bound a small corpus). */
    public static final int MIN_AUTO_PARTITIONS = 8;

    /**
     * The automatic partition count: at least {@link #MIN_AUTO_PARTITIONS}, and enough to keep chunks near 32 MiB.
     * From the data alone, not from the cluster's task slots: windows are cut, and validation state is carried,
     * within partitions, so the partitioning is part of a run's data, and a run resumed where there are other task
     * slots must read the same windows and score the same loss.
     */
    public static int autoPartitions(long totalBytes) {
        long bySize = (totalBytes + TARGET_CHUNK_BYTES - 1) / TARGET_CHUNK_BYTES;
        return (int) Math.min(100_000, Math.max(MIN_AUTO_PARTITIONS, bySize));
    }

    /** The groups of chunks for --partitions as given: that many, or for 0 {@link #autoPartitions}. */
    public static List<List<InputChunk>> planFor(List<InputFile> files, int partitions) {
        return plan(files, partitions > 0 ? partitions : autoPartitions(CorpusFiles.totalBytes(files)));
    }

    /** Cuts the files into about {@code partitions} groups of chunks (fewer for a small corpus), none empty. */
    public static List<List<InputChunk>> plan(List<InputFile> files, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be positive");
        }
        long total = CorpusFiles.totalBytes(files);
        long target = Math.max(MIN_CHUNK_BYTES, (total + partitions - 1) / partitions);
        List<List<InputChunk>> groups = new ArrayList<>();
        List<InputChunk> current = new ArrayList<>();
        long filled = 0;
        for (InputFile f : files) {
            if (f.length() == 0) {
                continue;
            }
            if (f.compressed()) {
                current.add(new InputChunk(f, 0, Long.MAX_VALUE));
                filled += f.length();
            } else {
                long start = 0;
                while (start < f.length()) {
                    if (filled > 0 && target - filled < MIN_CHUNK_BYTES / 4) {
                        groups.add(current);
                        current = new ArrayList<>();
                        filled = 0;
                    }
                    long end = Math.min(f.length(), start + Math.max(1, target - filled));
                    if (f.length() - end < MIN_CHUNK_BYTES / 4) {
                        end = f.length(); // no tiny tail chunk
                    }
                    current.add(new InputChunk(f, start, end));
                    filled += end - start;
                    start = end;
                    if (filled >= target) {
                        groups.add(current);
                        current = new ArrayList<>();
                        filled = 0;
                    }
                }
                continue;
            }
            if (filled >= target) {
                groups.add(current);
                current = new ArrayList<>();
                filled = 0;
            }
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }
}
