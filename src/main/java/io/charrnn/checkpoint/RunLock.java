package io.charrnn.checkpoint;

import io.charrnn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.common.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps two jobs from writing one run directory at once. The lock is the file {@value #FILE}, created only if absent
 * (atomically, on HDFS and on local disks), holding a token of its owner, the owner's machine and process, and a
 * heartbeat that a background thread renews after checking that the lock is still its own.
 *
 * <p>A lock is stale, and may be taken over, when its owner is a process of this machine that is gone (exited, or
 * a zombie no one reaped, or its pid now another process), or when the file has not been renewed for the stale time
 * by the filesystem's own clock (never a comparison of two hosts' clocks). A takeover holds {@value #TAKEOVER},
 * created only if absent, and replaces the lock only if it still reads as the stale one, so of jobs that start
 * at once exactly one wins. Every write of the run directory first checks the lock ({@link RunDirectory}'s guard):
 * a job whose lock was taken over stops with {@link LockLost} before its next write. (A heartbeat that read the lock
 * just before a takeover may write its own back once; then the job that took over finds the lock not its own at
 * its next write and stops instead: still one writer.)
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "lock";
    static final String TAKEOVER = "lock.takeover";
    /**
     * A takeover takes milliseconds; a takeover file older than this was left by a job killed during one (on this
     * machine a takeover whose process is gone is stale at once).
     */
    private static final long TAKEOVER_STALE_MS = 60_000;
    /** A lock file that cannot be parsed is one being written, or a damaged one once it is this old. */
    private static final long UNREADABLE_STALE_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);

    private final RunDirectory run;
    private final String token;
    private final Duration staleAfter;
    private final ScheduledExecutorService heartbeat;
    private long beats;
    private volatile long renewedNanos = System.nanoTime();
    /** Why this job no longer holds the lock; null while it does. */
    private volatile String lost;

    private RunLock(RunDirectory run, String token, Duration staleAfter) {
        this.run = run;
        this.token = token;
        this.staleAfter = staleAfter;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "charrnn-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        Duration quarter = staleAfter.dividedBy(4);
        long every = Math.max(100, Math.min(quarter.toMillis(), 30_000));
        heartbeat.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /** Why this job lost its lock, as its heartbeat or a write found; null while it holds it. */
    String lostReason() {
        return lost;
    }

    /** Takes the lock of a run directory, or fails with a {@link UserError} if a live job holds it. */
    public static RunLock acquire(RunDirectory run, Duration staleAfter) {
        String token = UUID.randomUUID().toString();
        if (!create(run, FILE, token)) {
            takeOver(run, token, staleAfter);
        }
        RunLock lock = new RunLock(run, token, staleAfter);
        run.guardWrites(lock::check);
        return lock;
    }

    private static void takeOver(RunDirectory run, String token, Duration staleAfter) {
        Optional<String> heldText = run.readText(FILE);
        if (heldText.isEmpty()) {
            // Released between our create and this read: one more try, as a new job would.
            if (create(run, FILE, token)) {
                return;
            }
            heldText = run.readText(FILE);
        }
        JsonNode held = heldText.map(RunLock::parse).orElse(null);
        String why = staleReason(held, run.ageMillis(FILE), staleAfter);
        if (why == null) {
            throw locked(run, held);
        }
        if (!create(run, TAKEOVER, token)) {
            // Another job's takeover, live unless its job is gone or it is older than any takeover takes.
            JsonNode other = run.readText(TAKEOVER).map(RunLock::parse).orElse(null);
            boolean gone = other != null && onThisMachine(other)
                    && !alive(other.path("pid").asLong(-1), other.path("process_start_ms").asLong(0));
            if (!gone && run.ageMillis(TAKEOVER) < TAKEOVER_STALE_MS) {
                throw new UserError(run.uri() + " is being taken over by another job that started at the same time;"
                        + " it trains the run");
            }
            run.deleteUnguarded(TAKEOVER);
            if (!create(run, TAKEOVER, token)) {
                throw new UserError(run.uri() + " is being taken over by another job that started at the same time;"
                        + " it trains the run");
            }
        }
        String mine = content(token, 0);
        try {
            Optional<String> now = run.readText(FILE);
            if (now.isPresent() && !now.equals(heldText)) {
                throw locked(run, parse(now.get()));
            }
            // A job that cleared a stale takeover file at the same moment may have replaced ours: then it goes on.
            if (!ownsTakeover(run, token)) {
                throw new UserError(run.uri() + " is being taken over by another job that started at the same time;"
                        + " it trains the run");
            }
            LOG.warn("taking over the lock of {}: {}", run.uri(), why);
            run.replaceLock(FILE, mine.getBytes(StandardCharsets.UTF_8));
            if (!run.readText(FILE).map(mine::equals).orElse(false)) {
                throw locked(run, run.readText(FILE).map(RunLock::parse).orElse(null));
            }
        } finally {
            if (ownsTakeover(run, token)) {
                run.deleteUnguarded(TAKEOVER);
            }
        }
    }

    /**
     * Creates the file with this job's token only if it is absent. A create that the store carried out but whose
     * answer was lost (a timeout, a connection reset) is tried again by the client and refused as a file that
     * exists: the file then holds this job's token, and is this job's.
     */
    private static boolean create(RunDirectory run, String name, String token) {
        if (run.createIfAbsent(name, content(token, 0))) {
            return true;
        }
        JsonNode held = run.readText(name).map(RunLock::parse).orElse(null);
        return held != null && token.equals(held.path("token").asText());
    }

    private static boolean ownsTakeover(RunDirectory run, String token) {
        JsonNode takeover = run.readText(TAKEOVER).map(RunLock::parse).orElse(null);
        return takeover != null && token.equals(takeover.path("token").asText());
    }

    private static UserError locked(RunDirectory run, JsonNode held) {
        return new UserError(run.uri() + " is locked by a running job (" + describe(run, held) + "); wait for it"
                + " to finish, or delete " + run.uri() + "/" + FILE + " if that job is surely gone");
    }

    /** Renews the lock if it is still this job's; otherwise, or when renewing fails for too long, gives it up. */
    private void beat() {
        if (lost != null) {
            return;
        }
        if (overdue()) {
            // Stopped or stalled past the stale time (SIGSTOP, a frozen VM): another job may hold the run now, and
            // a renewal would put this job's lock back over it.
            lose(notRenewed());
            return;
        }
        try {
            String current = run.readText(FILE).orElse(null);
            if (!owns(current)) {
                lose("another job took over the lock of " + run.uri() + " (" + describe(run,
                        current == null ? null : parse(current)) + ")");
                return;
            }
            run.replaceLock(FILE, content(token, ++beats).getBytes(StandardCharsets.UTF_8));
            renewedNanos = System.nanoTime();
        } catch (RuntimeException e) {
            long since = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewedNanos);
            if (since > staleAfter.toMillis() / 2) {
                lose("the lock of " + run.uri() + " could not be renewed for " + since / 1000 + " s ("
                        + e.getMessage() + "), so another job may take it over");
            } else {
                LOG.warn("cannot renew the lock of {}: {}", run.uri(), e.getMessage());
            }
        }
    }

    private void lose(String why) {
        lost = why + "; this job stops before writing anything more";
        LOG.error(lost);
        heartbeat.shutdown();
    }

    /**
     * Whether this job has gone without a renewal for nearly the stale time, after which another job may take the
     * lock over: the monotonic clock counts while the process is stopped, so a job continued after a long pause
     * finds it here before anything else.
     */
    private boolean overdue() {
        return System.nanoTime() - renewedNanos > staleAfter.toNanos() / 10 * 9;
    }

    private String notRenewed() {
        return "the lock of " + run.uri() + " was last renewed " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime()
                - renewedNanos) + " s ago (this job was stopped or stalled), so another job may have taken it over";
    }

    /** Before every write of the run directory: still the owner, or {@link LockLost}. */
    private void check() {
        if (lost == null && overdue()) {
            lose(notRenewed());
        }
        if (lost == null) {
            String current;
            try {
                current = run.readText(FILE).orElse(null);
            } catch (RuntimeException e) {
                // A passing read error (a NameNode failover) is not a lost lock; the heartbeat gives the lock up if
                // it cannot be renewed for half the stale time.
                LOG.warn("cannot read the lock of {} before a write: {}", run.uri(), e.getMessage());
                return;
            }
            if (!owns(current)) {
                lose("another job took over the lock of " + run.uri());
            } else if (overdue()) {
                lose(notRenewed()); // the read itself waited out an outage
            }
        }
        if (lost != null) {
            throw new LockLost(lost);
        }
    }

    private boolean owns(String lockText) {
        JsonNode held = lockText == null ? null : parse(lockText);
        return held != null && token.equals(held.path("token").asText());
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        boolean stopped = false;
        try {
            stopped = heartbeat.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        run.guardWrites(() -> {
        });
        if (!stopped) {
            // A renewal still in flight could put the lock back after a delete; left for the stale time instead.
            LOG.warn("the lock of {} is left in place: its heartbeat did not stop", run.uri());
            return;
        }
        try {
            if (lost == null && owns(run.readText(FILE).orElse(null))) {
                run.deleteUnguarded(FILE);
            }
        } catch (RuntimeException e) {
            // The job's work is done and saved; a lock left behind is taken over once it is stale.
            LOG.warn("cannot release the lock of {}: {}", run.uri(), e.getMessage());
        }
    }

    /**
     * Null when the lock is live; otherwise why it is stale. {@code ageMillis}: since the lock file was last
     * written, by the filesystem's clock.
     */
    static String staleReason(JsonNode held, long ageMillis, Duration staleAfter) {
        if (held == null) {
            return ageMillis > Math.min(staleAfter.toMillis(), UNREADABLE_STALE_MS)
                    ? "the lock file is unreadable" : null;
        }
        if (onThisMachine(held)) {
            long pid = held.path("pid").asLong(-1);
            if (!alive(pid, held.path("process_start_ms").asLong(0))) {
                return "its owner, process " + pid + " on this machine, is gone";
            }
        }
        if (ageMillis > staleAfter.toMillis()) {
            return "it was last renewed " + ageMillis / 1000 + " s ago";
        }
        return null;
    }

    /**
     * Whether a process is running: not gone, not a zombie (a killed JVM whose parent has not reaped it still has
     * its pid, and {@link ProcessHandle#isAlive} says yes), and not another process that got the pid later.
     */
    static boolean alive(long pid, long startMillis) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive() || zombie(pid)) {
            return false;
        }
        if (startMillis <= 0) {
            return true;
        }
        return handle.get().info().startInstant()
                .map(start -> Math.abs(start.toEpochMilli() - startMillis) < 2_000).orElse(true);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return state.startsWith("Z") || state.startsWith("X");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a lock was written on this machine, where its pid can be checked: the same kernel boot and pid
     * namespace (two containers may share a host name but not their processes), or, for locks written before
     * machines were recorded, the same host name.
     */
    private static boolean onThisMachine(JsonNode held) {
        if (held.hasNonNull("machine")) {
            return machine().equals(held.get("machine").asText());
        }
        return host().equals(held.path("host").asText());
    }

    private static String describe(RunDirectory run, JsonNode held) {
        if (held == null) {
            return "owner unknown";
        }
        return "host " + held.path("host").asText() + ", pid " + held.path("pid").asText()
                + (held.hasNonNull("heartbeat") ? ", last renewed at " + held.get("heartbeat").asText() : "");
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = Json.mapper().readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String content(String token, long beat) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", token);
        m.put("host", host());
        m.put("machine", machine());
        m.put("pid", ProcessHandle.current().pid());
        m.put("process_start_ms", ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L));
        m.put("beat", beat);
        // For people reading the file; staleness goes by the file's modification time, not by this.
        m.put("heartbeat", Instant.now().toString());
        return Json.write(m) + "\n";
    }

    /** This kernel boot and pid namespace, or the host name where /proc does not say. */
    static String machine() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return boot + "/" + namespace;
        } catch (IOException | RuntimeException e) {
            return host();
        }
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String name = System.getenv("HOSTNAME");
            if (name != null) {
                return name;
            }
            try {
                return Files.readString(Path.of("/etc/hostname")).trim();
            } catch (IOException ignored) {
                return "unknown-host";
            }
        }
    }
}
