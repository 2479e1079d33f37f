package io.charrnn.checkpoint;

import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A run's directory: checkpoints, the {@code latest} and {@code best} pointers, {@code metrics.jsonl},
 * {@code samples.jsonl} and {@code run.json}, every file written as {@link AtomicDirectory} writes. Checkpoint names
 * are {@link Checkpoint#fileName}'s.
 */
public final class RunDirectory extends AtomicDirectory {
    public static final String RUN_FILE = io.charrnn.corpus.CorpusFiles.RUN_FILE;
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String SAMPLES_FILE = "samples.jsonl";
    public static final String LATEST = "latest";
    public static final String BEST = "best";

    public RunDirectory(String uri, Configuration conf) {
        super(uri, conf);
    }

    public boolean holdsRun() {
        return exists(RUN_FILE);
    }

    /** True when the directory is missing or has no visible entries. */
    public boolean isEmpty() {
        if (isFile()) {
            return false;
        }
        return names().stream().allMatch(n -> n.startsWith(".") || n.startsWith("_") || n.equals(RunLock.FILE)
                || n.equals(RunLock.TAKEOVER));
    }

    /**
     * Writes a checkpoint under its final name, then points {@code best} (if it is) and {@code latest} at it. In this
     * order a job killed between the pointers resumes from the checkpoint {@code latest} still names and writes the
     * same checkpoint again; in the other, {@code best} could be left naming a worse checkpoint than the newest, and
     * {@code --keep} delete the true best.
     */
    public void saveCheckpoint(String name, byte[] bytes, boolean best) {
        writeAtomically(name, bytes);
        if (best) {
            writeText(BEST, name + "\n");
        }
        writeText(LATEST, name + "\n");
    }

    public List<String> checkpointNames() {
        List<String> names = new ArrayList<>(names().stream().filter(CheckpointName::is).toList());
        names.sort(Comparator.naturalOrder());
        return names;
    }

    /** Checkpoint names, newest (most epochs) first. */
    public List<String> checkpointsNewestFirst() {
        List<String> names = new ArrayList<>(checkpointNames());
        names.sort(Comparator.comparingDouble(CheckpointName::epoch).reversed()
                .thenComparing(Comparator.<String>reverseOrder()));
        return names;
    }

    /**
     * Keeps the newest {@code keep} checkpoints and the ones the {@code latest} and {@code best} pointers name;
     * deletes the rest. Returns the deleted names.
     */
    public List<String> retain(int keep) {
        List<String> newest = checkpointsNewestFirst();
        List<String> protectedNames = new ArrayList<>();
        pointer(LATEST).ifPresent(protectedNames::add);
        pointer(BEST).ifPresent(protectedNames::add);
        List<String> deleted = new ArrayList<>();
        for (int i = keep; i < newest.size(); i++) {
            String name = newest.get(i);
            if (!protectedNames.contains(name)) {
                delete(name);
                deleted.add(name);
            }
        }
        return deleted;
    }

    /** The checkpoint a pointer names, if the pointer exists and its checkpoint is still there. */
    public Optional<String> pointer(String which) {
        return readText(which).map(String::trim).filter(n -> !n.isEmpty() && exists(n));
    }

    /**
     * One checkpoint. A file that is not a checkpoint or is damaged is a {@link UserError}; a read that fails (a
     * lost block, an outage longer than the wait) is a fault, never taken for damage: a resume must not pass over a
     * healthy checkpoint, nor tell the user to start over, because the filesystem failed for a while.
     */
    public Checkpoint load(String name, boolean loadUpdater) {
        Path file = new Path(dir, name);
        byte[] bytes;
        try {
            bytes = read(name);
        } catch (FileNotFoundException e) {
            throw new UserError("checkpoint not found: " + file);
        } catch (org.apache.hadoop.security.AccessControlException e) {
            throw new UserError("cannot read checkpoint " + file + ": " + firstLine(e) + "; check its permissions");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        return Checkpoint.fromBytes(bytes, file.toString(), loadUpdater);
    }

    /** Loads what a user's checkpoint URI means; see {@link #resolveUri}. */
    public static Checkpoint resolve(String uri, Configuration conf, boolean loadUpdater) {
        return load(resolveUri(uri, conf), conf, loadUpdater);
    }

    /**
     * The checkpoint file a user's URI means: the file itself, or for a run directory its best checkpoint (the
     * {@code best} pointer, else the lowest validation loss among the checkpoint names).
     */
    public static String resolveUri(String uri, Configuration conf) {
        RunDirectory target = new RunDirectory(uri, conf);
        try {
            if (!target.fs.exists(target.dir)) {
                throw new UserError("checkpoint not found: " + uri + "; give a ckpt_*.zip file or a run directory");
            }
        } catch (IOException e) {
            throw UserError.reading(uri, e);
        }
        if (target.isFile()) {
            return target.uri();
        }
        Optional<String> best = target.pointer(BEST);
        if (best.isEmpty()) {
            best = target.checkpointNames().stream().min(Comparator.comparingDouble(CheckpointName::valLoss));
        }
        String name = best.orElseThrow(() -> new UserError(uri + " holds no checkpoint (no ckpt_*.zip file); "
                + "give a checkpoint file or the output directory of a training run"));
        return new Path(target.fs.makeQualified(target.dir), name).toString();
    }

    /** Reads one checkpoint file. */
    public static Checkpoint load(String fileUri, Configuration conf, boolean loadUpdater) {
        Path file = new RunDirectory(fileUri, conf).dir;
        return new RunDirectory(file.getParent().toString(), conf).load(file.getName(), loadUpdater);
    }
}
