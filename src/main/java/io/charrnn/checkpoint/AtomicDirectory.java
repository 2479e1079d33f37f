package io.charrnn.checkpoint;

import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A directory on any Hadoop filesystem whose files are replaced atomically and written only while a guard allows.
 *
 * <p>On HDFS and on local disks every file is written under a hidden temporary name (Hadoop skips names starting
 * with '_') and then renamed over its final name in one atomic step; on an object store (S3 through s3a) it is
 * uploaded under its final name, where it appears whole when the upload completes (see {@link Commit}). Either way a
 * crash never leaves a half-written file under a name that readers trust, and no file is ever absent while it is
 * replaced.
 *
 * <p>A filesystem that goes away for a while (a NameNode restarting, then in safe mode until its DataNodes report)
 * is waited out for up to {@link #OUTAGE_SECONDS}: reads, replaces, deletes and listings are tried again, and an
 * append that failed half-way is finished by rewriting the file whole. A failure that waiting does not mend (a full
 * disk, a quota, a permission) fails at once.
 */
public class AtomicDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicDirectory.class);
    /** How long an outage of the filesystem is waited out before the write or read fails. */
    static final int OUTAGE_SECONDS = 180;
    /** Reads of a file that keeps being replaced under them (see {@link #read}) before the failure counts. */
    private static final int READ_ATTEMPTS = 10;
    /**
     * The small files this class writes to ask the filesystem something: its clock ({@link #ageMillis}), whether it
     * creates a file only if absent ({@link #checkExclusiveCreate}). Another job may be using one right now.
     */
    static final String PROBE_PREFIX = "_tmp.probe.";
    /** The clock probes' prefix before probes had one name: a job of that version may still be running. */
    private static final String OLD_PROBE_PREFIX = "_tmp.clock.";
    /**
     * The createFile() option of Hadoop 3.4.2's s3a that uploads an object only if none is there (S3's conditional
     * write, If-None-Match); a string, as the spark-3.5 build's Hadoop 3.3 has no such constant.
     */
    private static final String CREATE_IF_ABSENT = "fs.option.create.conditional.overwrite";
    /** Its counterpart that uploads only over the object of this ETag (If-Match). */
    private static final String CREATE_IF_UNCHANGED = "fs.option.create.conditional.overwrite.etag";

    /**
     * How a written file becomes visible, whole, under its name. An object store shows an object only once its
     * upload completes, whole, and an upload aborted before that leaves nothing; a rename there is a copy, and
     * Hadoop's rename over an existing file deletes the target first (an instant where it is absent, so a kill
     * there loses it). So on object stores a file is uploaded under its own name, with no temporary name at all.
     */
    enum Commit {
        /** A temporary file moved over the name with rename(2): local disks. */
        LOCAL_MOVE,
        /** A temporary file renamed over the name with OVERWRITE, one NameNode call: HDFS. */
        RENAME,
        /** The object uploaded under its name, visible when the upload completes: S3 (s3a). */
        UPLOAD
    }

    final Path dir;
    final FileSystem fs;
    private final Configuration own;
    /** Made on first use: only HDFS's renames need it (on s3a it would be one more client, never used). */
    private FileContext fc;
    final Commit commit;
    /**
     * The directories whose store was seen to refuse a second create of one name ({@link #checkExclusiveCreate}), in
     * this JVM: a job makes several of these objects for one --output (its start, the lock, doctor), and one probe
     * answers for them all.
     */
    private static final java.util.Set<URI> EXCLUSIVE_CREATE_SEEN = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Checked before every write; {@link RunLock} makes it stop a job that no longer holds the run's lock. */
    private volatile Runnable writeGuard = () -> {
    };

    public AtomicDirectory(String uri, Configuration conf) {
        try {
            // Hadoop's own parsing, as --corpus has: a path may hold spaces, which a java.net.URI may not.
            this.dir = new Path(uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri);
            this.own = ownConfiguration(dir, conf);
            this.fs = dir.getFileSystem(own);
            this.commit = commitOf(fs, dir);
        } catch (IllegalArgumentException e) {
            throw new UserError("not a valid URI: " + uri);
        } catch (IOException e) {
            throw new UserError("cannot reach the filesystem of " + uri + ": " + e.getMessage());
        }
    }

    /**
     * Local disks without Hadoop's .crc side files. The checksummed local filesystem renames a file and its .crc in
     * two steps, so a job killed between them left a file that failed its checksum on every later read. A plain
     * rename is one atomic step; checkpoints stay verified by the CRC-32 of every zip entry. Only for a directory on
     * a local disk: other filesystems made with these settings would get the raw one too where they ask for the
     * local one (s3a's upload buffers on disk did, and failed to cast it).
     */
    private static Configuration ownConfiguration(Path dir, Configuration conf) {
        Configuration own = new Configuration(conf);
        String scheme = dir.toUri().getScheme() != null ? dir.toUri().getScheme()
                : FileSystem.getDefaultUri(conf).getScheme();
        if ("file".equals(scheme)) {
            own.set("fs.file.impl", org.apache.hadoop.fs.RawLocalFileSystem.class.getName());
            own.set("fs.AbstractFileSystem.file.impl", org.apache.hadoop.fs.local.RawLocalFs.class.getName());
            // The FileSystem cache is keyed by scheme, not settings: without this a cached checksummed one returns.
            own.setBoolean("fs.file.impl.disable.cache", true);
        }
        // Hadoop's own retries of a connect that times out (45 of 20 s by default) would hold one attempt for 15
        // minutes; the outage is waited out here, attempt by attempt, for a bounded time.
        String[] from = conf.getPropertySources("ipc.client.connect.max.retries.on.timeouts");
        if (from == null || java.util.Arrays.stream(from).allMatch(s -> s.endsWith("-default.xml"))) {
            own.setInt("ipc.client.connect.max.retries.on.timeouts", 3);
        }
        return own;
    }

    /**
     * Object stores say so by their output streams' capability to be aborted (nothing is written until close, and
     * an aborted stream writes nothing): s3a has it, HDFS and local files do not.
     */
    private static Commit commitOf(FileSystem fs, Path dir) throws IOException {
        if (fs instanceof RawLocalFileSystem) {
            return Commit.LOCAL_MOVE;
        }
        return fs.hasPathCapability(dir, org.apache.hadoop.fs.CommonPathCapabilities.ABORTABLE_STREAM)
                ? Commit.UPLOAD : Commit.RENAME;
    }

    private synchronized FileContext fileContext() throws IOException {
        if (fc == null) {
            fc = FileContext.getFileContext(fs.getUri(), own);
        }
        return fc;
    }

    /**
     * The filesystems where a rename over a file is one atomic step: HDFS (and viewfs over it). Elsewhere Hadoop's
     * rename with OVERWRITE deletes the target and then renames (an instant where the file is missing, and a kill
     * there loses it), so files are not replaced there at all.
     */
    private static final java.util.Set<String> ATOMIC_RENAME = java.util.Set.of("hdfs", "viewfs");

    /**
     * Refuses, with the line {@code train} would give, a directory where a run could lose a file (no atomic replace)
     * or have two writers (an object store without conditional uploads): for {@code doctor}, before any run.
     */
    public void checkRunsCanBeKept() {
        checkAtomicReplace();
        if (commit == Commit.UPLOAD) {
            try {
                checkExclusiveCreate();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot check " + uri() + ": " + firstLine(e), e);
            }
        }
    }

    private void checkAtomicReplace() {
        if (commit == Commit.RENAME && !ATOMIC_RENAME.contains(String.valueOf(fs.getScheme()))) {
            throw new UserError(uri() + " is on a filesystem (" + fs.getScheme() + ":) where charrnn cannot replace a"
                    + " file in one atomic step, so a crash could lose one; write it to HDFS, a local disk or S3"
                    + " (s3a)");
        }
    }

    public String uri() {
        return fs.makeQualified(dir).toString();
    }

    /** The names in the directory (none when it is missing). */
    List<String> names() {
        return ride("list " + dir, () -> {
            List<String> names = new ArrayList<>();
            if (fs.exists(dir)) {
                for (FileStatus s : fs.listStatus(dir)) {
                    names.add(s.getPath().getName());
                }
            }
            return names;
        });
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
                    + firstLine(e) + "); choose another directory");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    public boolean isFile() {
        return ride("look at " + dir, () -> fs.exists(dir) && fs.getFileStatus(dir).isFile());
    }

    public boolean exists(String name) {
        return ride("look for " + new Path(dir, name), () -> fs.exists(new Path(dir, name)));
    }

    public void writeAtomically(String name, byte[] bytes) {
        writeGuard.run();
        ride("write " + new Path(dir, name), () -> {
            replace(name, bytes, true);
            return null;
        });
    }

    /**
     * {@link #replace} for the lock itself: unguarded, and passing no fault point, so that a kill the harness aims
     * at the N-th write of the run's files lands there whenever the lock's heartbeat happens to beat.
     */
    void replaceLock(String name, byte[] bytes) {
        // Tried once: a renewal that waited out an outage could land after another job took the run over.
        try {
            replace(name, bytes, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + new Path(dir, name) + ": " + firstLine(e), e);
        }
    }

    /**
     * Writes under a temporary name, then renames over {@code name} in one atomic step: HDFS renames with
     * OVERWRITE atomically, but Hadoop's local filesystem deletes the target first (an instant where the file is
     * absent), so on local disks the rename is the JDK's atomic move, rename(2). A guarded write checks the lock
     * again before the rename: a job paused while it wrote (a long GC, a stopped machine) may have lost the run to
     * another job meanwhile, and must not rename its file over that job's.
     */
    private void replace(String name, byte[] bytes, boolean guarded) throws IOException {
        checkAtomicReplace();
        Path target = new Path(dir, name);
        if (commit == Commit.UPLOAD) {
            upload(target, bytes, guarded);
            return;
        }
        Path temp = new Path(dir, "_tmp." + name + "." + UUID.randomUUID());
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(temp, false)) {
                out.write(bytes);
                out.hsync();
            }
            if (guarded) {
                FaultPoints.pauseBeforeRename(name);
                FaultPoints.pass(FaultPoints.REPLACE_WRITTEN);
                writeGuard.run();
            }
            if (fs instanceof RawLocalFileSystem local) {
                Files.move(local.pathToFile(temp).toPath(), local.pathToFile(target).toPath(),
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                fileContext().rename(temp, target, Options.Rename.OVERWRITE);
            }
            if (guarded) {
                FaultPoints.pass(FaultPoints.REPLACE_RENAMED);
            }
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(temp, false);
            } catch (IOException ignored) {
                // The write already failed; the temporary name is invisible to readers either way.
            }
            throw e;
        }
    }

    /**
     * {@link #replace} on an object store: the object is uploaded under its name and appears, whole, when the
     * stream closes. The guard is checked before that close, as it is before a rename; a write it stops, or any
     * failure before the close, aborts the upload, which leaves nothing behind.
     */
    private void upload(Path target, byte[] bytes, boolean guarded) throws IOException {
        completeUpload(fs.create(target, true), target, bytes, guarded);
    }

    /**
     * Completes an upload begun as {@code out}: the bytes, then (guarded) the fault points and the write guard, then
     * the close that makes the object appear whole. Any failure before the close, the guard's included, aborts the
     * upload, which leaves nothing behind.
     */
    private void completeUpload(FSDataOutputStream out, Path target, byte[] bytes, boolean guarded)
            throws IOException {
        boolean complete = false;
        try {
            out.write(bytes);
            if (guarded) {
                FaultPoints.pauseBeforeRename(target.getName());
                FaultPoints.pass(FaultPoints.REPLACE_WRITTEN);
                writeGuard.run();
            }
            out.close();
            complete = true;
        } finally {
            if (!complete) {
                abortQuietly(out); // never an object of part of its bytes
            }
        }
        if (guarded) {
            FaultPoints.pass(FaultPoints.REPLACE_RENAMED);
        }
    }

    /**
     * Creates a file only if no file of that name exists; false if one does. Atomic: HDFS creates without
     * overwrite in one NameNode call; on local disks Hadoop checks and then creates, so there it is the JDK's
     * CREATE_NEW (O_EXCL); on S3 it is a conditional upload (If-None-Match), which the store refuses if the object
     * exists when the upload completes, and which this job first checks the store to honour. A client or store
     * without conditional uploads cannot keep one writer, and is refused. Unguarded: for the lock itself.
     */
    boolean createIfAbsent(String name, String text) {
        checkAtomicReplace();
        Path target = new Path(dir, name);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            if (commit == Commit.UPLOAD) {
                checkExclusiveCreate();
                uploadIfAbsentRetried(target, bytes);
                return true;
            }
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
            // S3's refusal of a conditional upload (412, RemoteFileChangedException) among them.
            if (exists(name)) {
                return false;
            }
            throw new UncheckedIOException("cannot create " + target + ": " + e.getMessage(), e);
        }
    }

    private void uploadIfAbsent(Path target, byte[] bytes) throws IOException {
        FSDataOutputStream out;
        try {
            out = (FSDataOutputStream) fs.createFile(target).overwrite(true).must(CREATE_IF_ABSENT, true).build();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw noExclusiveCreate(firstLine(e));
        }
        completeUpload(out, target, bytes, false);
    }

    /**
     * S3 answers 409 (ConditionalRequestConflict) to a conditional upload that races another request on the same
     * name, such as the previous job deleting its lock as it ends: asked again, a few times.
     */
    private void uploadIfAbsentRetried(Path target, byte[] bytes) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                uploadIfAbsent(target, bytes);
                return;
            } catch (IOException e) {
                if (attempt == 4 || !String.valueOf(e.getMessage()).contains("409")) {
                    throw e;
                }
                LOG.warn("uploading {} met another request on it ({}); trying again", target, firstLine(e));
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** S3's refusal of a conditional upload: 412, Precondition Failed (s3a's RemoteFileChangedException). */
    private static boolean preconditionFailed(IOException e) {
        return e instanceof org.apache.hadoop.fs.FileAlreadyExistsException
                || e.getClass().getName().endsWith("RemoteFileChangedException")
                && String.valueOf(e.getMessage()).contains("412");
    }

    private static void abortQuietly(FSDataOutputStream out) {
        try {
            out.abort();
        } catch (RuntimeException ignored) {
            // The write already failed; an upload that is not completed is never visible.
        }
    }

    private UserError noExclusiveCreate(String why) {
        return new UserError(uri() + " is on an object store whose client cannot upload a file only if it is absent ("
                + why + "), which keeps a run to one writer; use s3a of Hadoop 3.4.2 or later with"
                + " fs.s3a.create.conditional.enabled=true (the default build's), or write the run to HDFS");
    }

    /**
     * A client without conditional uploads (Hadoop 3.3's s3a, or s3a with fs.s3a.create.conditional.enabled=false),
     * or a store that ignores them (some S3-compatible ones), would let two jobs both create the lock: asked once
     * per directory, of the client and then of the store, by uploading one probe twice.
     */
    private void checkExclusiveCreate() throws IOException {
        // The client's capability is this configuration's (fs.s3a.create.conditional.enabled), so asked each time.
        if (!fs.hasPathCapability(dir, CREATE_IF_ABSENT)) {
            throw noExclusiveCreate("it does not have the capability " + CREATE_IF_ABSENT);
        }
        URI store = fs.makeQualified(dir).toUri();
        if (EXCLUSIVE_CREATE_SEEN.contains(store)) {
            return;
        }
        Path probe = new Path(dir, PROBE_PREFIX + UUID.randomUUID());
        try {
            uploadIfAbsentRetried(probe, new byte[]{0});
            try {
                uploadIfAbsentRetried(probe, new byte[]{1});
            } catch (IOException refused) {
                if (!preconditionFailed(refused)) {
                    throw refused; // a failure that says nothing of the store's conditional uploads
                }
                EXCLUSIVE_CREATE_SEEN.add(store);
                return;
            }
            throw new UserError(uri() + " is on a store that does not honour conditional uploads (If-None-Match: a"
                    + " second upload of one new object was accepted), so two jobs could both train the run; write it"
                    + " to a store that has them (Amazon S3 does), or to HDFS");
        } finally {
            try {
                fs.delete(probe, false);
            } catch (IOException e) {
                LOG.warn("cannot delete the probe {} ({}); the next job's clean-up removes it", probe, firstLine(e));
            }
        }
    }

    /**
     * Milliseconds since a file was last written, by the filesystem's own clock (the NameNode's for HDFS): the
     * time of a file written now, less the file's. Unlike a timestamp in the file, this compares no two hosts'
     * clocks. Negative when the file is missing.
     */
    long ageMillis(String name) {
        Path probe = new Path(dir, PROBE_PREFIX + UUID.randomUUID());
        try {
            long written;
            try {
                written = fs.getFileStatus(new Path(dir, name)).getModificationTime();
            } catch (FileNotFoundException e) {
                return -1;
            }
            fs.create(probe, false).close();
            try {
                long age = fs.getFileStatus(probe).getModificationTime() - written;
                // S3 gives an object's time to the second: a file is taken to be as young as it may be.
                return commit == Commit.UPLOAD ? Math.max(0, age - 1000) : age;
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
        ride("delete " + new Path(dir, name), () -> fs.delete(new Path(dir, name), false));
    }

    /** Deletes everything in the directory but the named files (e.g. the lock of the job that is overwriting). */
    public void deleteAllExcept(String... keep) {
        writeGuard.run();
        for (String name : names()) {
            if (!List.of(keep).contains(name) && !isProbe(name)) {
                ride("delete " + new Path(dir, name), () -> fs.delete(new Path(dir, name), true));
            }
        }
    }

    /** Removes temporary files that a killed writer left; only the owner of the run's lock may call this. */
    public int deleteTemporaryFiles() {
        writeGuard.run();
        int deleted = 0;
        for (String name : names()) {
            // Not the probes of a minute: another job may be reading the age of the lock through one right now
            // (deleting it under a local filesystem's create made that job fail); each deletes its own, and one
            // older than that was left by a job killed while it read.
            if (name.startsWith("_tmp.") && (!isProbe(name) || ageMillis(name) > 60_000)
                    && ride("delete " + new Path(dir, name), () -> fs.delete(new Path(dir, name), false))) {
                deleted++;
            }
        }
        return deleted;
    }

    private static boolean isProbe(String name) {
        return name.startsWith(PROBE_PREFIX) || name.startsWith(OLD_PROBE_PREFIX);
    }

    public void writeText(String name, String text) {
        writeAtomically(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends text to a file, creating it if absent. Where the filesystem cannot append (some object stores), the
     * file is rewritten atomically instead; so is it where an append failed (an outage in the middle of it, or a
     * file left open under the lease of a job that was killed in its append): once the filesystem answers again,
     * the file is written whole with the text once and without a torn last line.
     */
    public void appendText(String name, String text) {
        if (commit == Commit.UPLOAD) {
            appendByUpload(name, text);
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Path target = new Path(dir, name);
        try {
            if (!exists(name)) {
                writeAtomically(name, bytes);
                return;
            }
            writeGuard.run(); // here, not before looking for the file: that may have waited out an outage
            try (FSDataOutputStream out = fs.append(target)) {
                if (FaultPoints.isTheKill(FaultPoints.APPEND_TORN)) {
                    out.write(bytes, 0, bytes.length / 2);
                    out.hsync();
                    FaultPoints.killSelf();
                }
                out.write(bytes);
                out.hsync();
                FaultPoints.pass(FaultPoints.APPEND_UNCLOSED);
            }
            FaultPoints.pass(FaultPoints.APPEND_DONE);
        } catch (UnsupportedOperationException e) {
            writeText(name, readText(name).orElse("") + text);
        } catch (IOException e) {
            if (!transientFailure(e) && !isOpenElsewhere(e)) {
                throw new UncheckedIOException("cannot append to " + target + ": " + e.getMessage(), e);
            }
            LOG.warn("appending to {} failed ({}): writing it whole instead", target, firstLine(e));
            String now = readText(name).orElse("");
            String whole = now.substring(0, now.lastIndexOf('\n') + 1); // without a torn last line
            writeText(name, whole.endsWith(text) ? whole : whole + text);
        }
    }

    /**
     * An append on an object store, where objects cannot be appended to: the file is uploaded whole (never a torn
     * line), and only if it is still the version read (If-Match on its ETag; If-None-Match where there was none). A
     * job stopped past the stale time in the middle of this upload, whose run another job took over meanwhile,
     * cannot then replace that job's lines with its own older copy: the store refuses it, and the job stops.
     */
    private void appendByUpload(String name, String text) {
        writeGuard.run();
        Path target = new Path(dir, name);
        ride("write " + target, () -> {
            String etag;
            try {
                etag = fs.getFileStatus(target) instanceof org.apache.hadoop.fs.EtagSource e ? e.getEtag() : "";
            } catch (FileNotFoundException e) {
                etag = null;
            }
            String old = etag == null ? "" : new String(read(name), StandardCharsets.UTF_8);
            var builder = fs.createFile(target).overwrite(true);
            if (etag == null) {
                builder.must(CREATE_IF_ABSENT, true);
            } else if (!etag.isEmpty()) {
                builder.must(CREATE_IF_UNCHANGED, etag);
            }
            try {
                completeUpload((FSDataOutputStream) builder.build(), target,
                        (old + text).getBytes(StandardCharsets.UTF_8), true);
            } catch (IOException e) {
                if (preconditionFailed(e)) {
                    throw new LockLost(target + " was written by another job while this one wrote it: another job"
                            + " holds the run now; this job stops before writing anything more");
                }
                throw e;
            }
            return null;
        });
    }

    /** An append refused because the file is still open under a lease (HDFS): a writer died in its append. */
    private static boolean isOpenElsewhere(IOException e) {
        String name = e instanceof org.apache.hadoop.ipc.RemoteException r ? r.getClassName() : e.getClass().getName();
        return name.endsWith("AlreadyBeingCreatedException") || name.endsWith("RecoveryInProgressException");
    }

    /**
     * A file's bytes. A file replaced while it is read (another process moving {@code latest} on) can fail the read
     * on HDFS: the old file's blocks are deleted under the open stream, which then finds the name's block list
     * changed ("Blocklist for ... has changed!") or a block missing; on S3, s3a asks for the version it looked up
     * (If-Match on its ETag, so that a large file is never read from two versions) and the store refuses it with 412
     * once a newer one is there. The name always holds a whole file, so the read is tried again from the start, a
     * few times, before its failure counts.
     */
    public byte[] read(String name) throws IOException {
        Path p = new Path(dir, name);
        return rideChecked("read " + p, () -> {
            for (int attempt = 1; ; attempt++) {
                try (FSDataInputStream in = fs.open(p)) {
                    return in.readAllBytes();
                } catch (FileNotFoundException e) {
                    throw e;
                } catch (IOException e) {
                    if (attempt == READ_ATTEMPTS || transientFailure(e)) {
                        throw e;
                    }
                    try {
                        // At a random moment: a writer replacing the file at a steady pace is not met in step again.
                        Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(5, 20L * attempt + 6));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        });
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

    interface IoCall<T> {
        T call() throws IOException;
    }

    /**
     * The filesystems this process has reached: only an outage of one that answered before is waited out; a
     * filesystem never reached (a mistyped host or port) fails at once.
     */
    private static final java.util.Set<URI> REACHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** {@link #rideChecked}, with a failure that outlasts the wait as an unchecked one saying what failed. */
    <T> T ride(String what, IoCall<T> call) {
        try {
            return rideChecked(what, call);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + what + ": " + firstLine(e), e);
        }
    }

    /** Runs {@code call}, again while it fails as a filesystem that went away fails, for up to the outage time. */
    private <T> T rideChecked(String what, IoCall<T> call) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS);
        long waitMillis = 500;
        while (true) {
            try {
                T result = call.call();
                REACHED.add(fs.getUri());
                return result;
            } catch (IOException e) {
                if (!transientFailure(e) || !REACHED.contains(fs.getUri())
                        || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis) > deadline) {
                    throw e;
                }
                LOG.warn("cannot {} ({}): the filesystem may be restarting; trying again in {} s (for up to {} s)",
                        what, firstLine(e), waitMillis / 1000.0, OUTAGE_SECONDS);
                try {
                    Thread.sleep(waitMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                waitMillis = Math.min(10_000, waitMillis * 2);
            }
        }
    }

    /**
     * A failure that waiting can mend: the filesystem unreachable or its connection dropped (a NameNode restarting),
     * or a NameNode that asks to be called again (in safe mode after a restart, standby, busy).
     */
    static boolean transientFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.BindException) {
                return false; // this machine's own port or address: waiting does not free it
            }
            if (t instanceof java.io.EOFException || t instanceof java.net.SocketException
                    || t instanceof java.net.SocketTimeoutException) {
                return true; // ConnectException and NoRouteToHostException are SocketExceptions
            }
            String name = t instanceof org.apache.hadoop.ipc.RemoteException r ? r.getClassName()
                    : t.getClass().getName();
            if (name.endsWith(".SafeModeException") || name.endsWith(".RetriableException")
                    || name.endsWith(".StandbyException")) {
                return true;
            }
        }
        return false;
    }

    static String firstLine(Throwable e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
