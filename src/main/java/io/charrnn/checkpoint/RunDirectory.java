package io.charrnn.checkpoint;

import io.charrnn.corpus.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A run's directory on any Hadoop filesystem: checkpoints, the {@code latest} and {@code best} pointers,
 * {@code metrics.jsonl} and {@code run.json}.
 *
 * <p>Every file is written under a hidden temporary name (Hadoop skips names starting with '_') and then renamed
 * over its final name in one atomic step, on HDFS and on local disks, so a crash never leaves a half-written file
 * under a name that readers trust, and no file is ever absent while it is replaced.
 */
public final class RunDirectory {
    public static final String RUN_FILE = io.charrnn.corpus.CorpusFiles.RUN_FILE;
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String SAMPLES_FILE = "samples.jsonl";
    public static final String LATEST = "latest";
    /**
     * Fault injection for tests: milliseconds to pause between writing a checkpoint's temporary file and renaming
     * it, so that a test can kill the process in the middle of a checkpoint write. Unset in normal use.
     */
    public static final String PAUSE_BEFORE_RENAME_PROPERTY = "charrnn.faults.pauseBeforeRenameMs";
    public static final String BEST = "best";
    /** Reads of a file that keeps being replaced under them (see {@link #read}) before the failure counts. */
    private static final int READ_ATTEMPTS = 5;

    private final Path dir;
    private final FileSystem fs;
    private final FileContext fc;
    /** Checked before every write; {@link RunLock} makes it stop a job that no longer holds the run's lock. */
    private volatile Runnable writeGuard = () -> {
    };

    public RunDirectory(String uri, Configuration conf) {
        try {
            this.dir = new Path(URI.create(uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri));
            Configuration own = withRawLocalFiles(conf);
            this.fs = dir.getFileSystem(own);
            this.fc = FileContext.getFileContext(fs.getUri(), own);
        } catch (IllegalArgumentException e) {
            throw new UserError("not a valid URI: " + uri);
        } catch (IOException e) {
            throw new UserError("cannot reach the filesystem of " + uri + ": " + e.getMessage());
        }
    }

    /**
     * Local disks without Hadoop's .crc side files. The checksummed local filesystem renames a file and its .crc in
     * two steps, so a job killed between them left a file that failed its checksum on every later read. A plain
     * rename is one atomic step; checkpoints stay verified by the CRC-32 of every zip entry.
     */
    private static Configuration withRawLocalFiles(Configuration conf) {
        Configuration own = new Configuration(conf);
        own.set("fs.file.impl", org.apache.hadoop.fs.RawLocalFileSystem.class.getName());
        own.set("fs.AbstractFileSystem.file.impl", org.apache.hadoop.fs.local.RawLocalFs.class.getName());
        // The FileSystem cache is keyed by scheme, not settings: without this a cached checksummed instance returns.
        own.setBoolean("fs.file.impl.disable.cache", true);
        return own;
    }

    public String uri() {
        return fs.makeQualified(dir).toString();
    }

    public boolean holdsRun() {
        return exists(RUN_FILE);
    }

    /** True when the directory is missing or has no visible entries. */
    public boolean isEmpty() {
        try {
            if (!fs.exists(dir)) {
                return true;
            }
            if (!fs.getFileStatus(dir).isDirectory()) {
                return false;
            }
            for (FileStatus s : fs.listStatus(dir)) {
                String n = s.getPath().getName();
                if (!n.startsWith(".") && !n.startsWith("_") && !n.equals(RunLock.FILE) && !n.equals(RunLock.TAKEOVER)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes the directory where it is missing. What the user can fix (a file in the way, no permission) is a
     * {@link UserError} naming {@code flag}; any other failure (an unreachable filesystem) stays an I/O fault.
     */
    public void create(String flag) {
        try {
            if (!fs.mkdirs(dir)) {
                throw new UserError(flag + " " + dir + " cannot be created (a file is in its path, or this user may"
                        + " not write there); choose another directory");
            }
        } catch (org.apache.hadoop.security.AccessControlException | org.apache.hadoop.fs.ParentNotDirectoryException
                 | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new UserError(flag + " " + dir + " cannot be created (" + e.getClass().getSimpleName() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "); choose another directory");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    public boolean isFile() {
        try {
            return fs.exists(dir) && fs.getFileStatus(dir).isFile();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes everything in the directory but the named files (e.g. the lock of the job that is overwriting). */
    public void deleteAllExcept(String... keep) {
        writeGuard.run();
        try {
            if (!fs.exists(dir)) {
                return;
            }
            List<String> kept = List.of(keep);
            for (FileStatus s : fs.listStatus(dir)) {
                if (!kept.contains(s.getPath().getName())) {
                    fs.delete(s.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean exists(String name) {
        try {
            return fs.exists(new Path(dir, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeAtomically(String name, byte[] bytes) {
        writeGuard.run();
        replace(name, bytes);
    }

    /**
     * Writes under a temporary name, then renames over {@code name} in one atomic step: HDFS renames with
     * OVERWRITE atomically, but Hadoop's local filesystem deletes the target first (an instant where the file is
     * absent), so on local disks the rename is the JDK's atomic move, rename(2). Unguarded: for the lock itself.
     */
    void replace(String name, byte[] bytes) {
        Path target = new Path(dir, name);
        Path temp = new Path(dir, "_tmp." + name + "." + UUID.randomUUID());
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(temp, false)) {
                out.write(bytes);
                out.hsync();
            }
            pauseForFaultInjection(name);
            FaultPoints.pass(FaultPoints.REPLACE_WRITTEN);
            if (fs instanceof RawLocalFileSystem local) {
                Files.move(local.pathToFile(temp).toPath(), local.pathToFile(target).toPath(),
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                fc.rename(temp, target, Options.Rename.OVERWRITE);
            }
            FaultPoints.pass(FaultPoints.REPLACE_RENAMED);
        } catch (IOException e) {
            try {
                fs.delete(temp, false);
            } catch (IOException ignored) {
                // The write already failed; the temporary name is invisible to readers either way.
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates a file only if no file of that name exists; false if one does. Atomic: HDFS creates without
     * overwrite in one NameNode call; on local disks Hadoop checks and then creates, so there it is the JDK's
     * CREATE_NEW (O_EXCL). Unguarded: for the lock itself.
     */
    boolean createIfAbsent(String name, String text) {
        Path target = new Path(dir, name);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            fs.mkdirs(dir);
            if (fs instanceof RawLocalFileSystem local) {
                try (FileChannel out = FileChannel.open(local.pathToFile(target).toPath(), StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE_NEW)) {
                    out.write(ByteBuffer.wrap(bytes));
                    out.force(true);
                }
                return true;
            }
            try (FSDataOutputStream out = fs.create(target, false)) {
                out.write(bytes);
                out.hsync();
            }
            return true;
        } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (exists(name)) {
                return false;
            }
            throw new UncheckedIOException("cannot create " + target + ": " + e.getMessage(), e);
        }
    }

    /** The empty files {@link #ageMillis} writes to read the filesystem's clock. */
    private static final String CLOCK_PROBE_PREFIX = "_tmp.clock.";

    /**
     * Milliseconds since a file was last written, by the filesystem's own clock (the NameNode's for HDFS): the
     * time of a file written now, less the file's. Unlike a timestamp in the file, this compares no two hosts'
     * clocks. Negative when the file is missing.
     */
    long ageMillis(String name) {
        Path probe = new Path(dir, CLOCK_PROBE_PREFIX + UUID.randomUUID());
        try {
            long written;
            try {
                written = fs.getFileStatus(new Path(dir, name)).getModificationTime();
            } catch (FileNotFoundException e) {
                return -1;
            }
            fs.create(probe, false).close();
            try {
                return fs.getFileStatus(probe).getModificationTime() - written;
            } finally {
                fs.delete(probe, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the age of " + new Path(dir, name) + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code check} before every write to this directory (but the lock's own): set by {@link RunLock}. */
    void guardWrites(Runnable check) {
        this.writeGuard = check;
    }

    public void delete(String name) {
        writeGuard.run();
        deleteUnguarded(name);
    }

    void deleteUnguarded(String name) {
        try {
            fs.delete(new Path(dir, name), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes temporary files that a killed writer left; only the owner of the run's lock may call this. */
    public int deleteTemporaryFiles() {
        writeGuard.run();
        try {
            if (!fs.exists(dir)) {
                return 0;
            }
            int deleted = 0;
            for (FileStatus s : fs.listStatus(dir)) {
                String name = s.getPath().getName();
                // Not the clock probes: another job may be reading the age of the lock through one right now
                // (deleting it under a local filesystem's create made that job fail); each deletes its own.
                if (name.startsWith("_tmp.") && !name.startsWith(CLOCK_PROBE_PREFIX)
                        && fs.delete(s.getPath(), false)) {
                    deleted++;
                }
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pauseForFaultInjection(String name) {
        long pause = Long.getLong(PAUSE_BEFORE_RENAME_PROPERTY, 0);
        if (pause > 0 && Checkpoint.isCheckpointName(name)) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void writeText(String name, String text) {
        writeAtomically(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends text to a file, creating it if absent. Where the filesystem cannot append (some object stores), the
     * file is rewritten atomically instead.
     */
    public void appendText(String name, String text) {
        writeGuard.run();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Path target = new Path(dir, name);
        try {
            if (!fs.exists(target)) {
                writeAtomically(name, bytes);
                return;
            }
            try (FSDataOutputStream out = fs.append(target)) {
                if (FaultPoints.isTheKill(FaultPoints.APPEND_TORN)) {
                    out.write(bytes, 0, bytes.length / 2);
                    out.hsync();
                    FaultPoints.killSelf();
                }
                out.write(bytes);
                out.hsync();
            }
            FaultPoints.pass(FaultPoints.APPEND_DONE);
        } catch (UnsupportedOperationException e) {
            writeText(name, readText(name).orElse("") + text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * A file's bytes. A file replaced while it is read (another process moving {@code latest} on) can fail the read
     * on HDFS: the old file's blocks are deleted under the open stream, which then finds the name's block list
     * changed ("Blocklist for ... has changed!") or a block missing. The name always holds a whole file, so the read
     * is tried again from the start, a few times, before its failure counts.
     */
    public byte[] read(String name) throws IOException {
        Path p = new Path(dir, name);
        for (int attempt = 1; ; attempt++) {
            try (FSDataInputStream in = fs.open(p)) {
                return in.readAllBytes();
            } catch (FileNotFoundException e) {
                throw e;
            } catch (IOException e) {
                if (attempt == READ_ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    public Optional<String> readText(String name) {
        try {
            return Optional.of(new String(read(name), StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isFile() && Checkpoint.isCheckpointName(s.getPath().getName())) {
                    names.add(s.getPath().getName());
                }
            }
            names.sort(Comparator.naturalOrder());
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checkpoint names, newest (most epochs) first. */
    public List<String> checkpointsNewestFirst() {
        List<String> names = new ArrayList<>(checkpointNames());
        names.sort(Comparator.comparingDouble(RunDirectory::epochInName).reversed()
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

    static double epochInName(String name) {
        int from = name.indexOf("_epoch");
        int to = name.indexOf("_val");
        try {
            return Double.parseDouble(name.substring(from + 6, to));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The checkpoint a pointer names, if the pointer exists and its checkpoint is still there. */
    public Optional<String> pointer(String which) {
        return readText(which).map(String::trim).filter(n -> !n.isEmpty() && exists(n));
    }

    public Checkpoint load(String name, boolean loadUpdater) {
        Path file = new Path(dir, name);
        try {
            return Checkpoint.fromBytes(read(name), file.toString(), loadUpdater);
        } catch (FileNotFoundException e) {
            throw new UserError("checkpoint not found: " + file);
        } catch (IOException e) {
            throw new UserError("cannot read checkpoint " + file + ": " + e.getMessage());
        }
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
            best = target.checkpointNames().stream().min(Comparator.comparingDouble(RunDirectory::valLossInName));
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

    static double valLossInName(String name) {
        int at = name.lastIndexOf("_val");
        try {
            return Double.parseDouble(name.substring(at + 4, name.length() - 4));
        } catch (RuntimeException e) {
            return Double.MAX_VALUE;
        }
    }
}
