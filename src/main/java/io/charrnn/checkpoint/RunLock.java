package io.charrnn.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.corpus.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps two jobs from writing one run directory at once. The lock is the file {@value #FILE}, created only if
 * absent (atomic on HDFS and local disks), holding the owner's host, pid and a heartbeat that a background thread
 * renews. A lock is stale, and is taken over, when its owner is a dead process on this host or its heartbeat is
 * older than the stale time; a live lock is a one-line error naming its owner.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "lock";
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);

    private final RunDirectory run;
    private final String owner;
    private final ScheduledExecutorService heartbeat;

    private RunLock(RunDirectory run, String owner, Duration heartbeatEvery) {
        this.run = run;
        this.owner = owner;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "charrnn-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = heartbeatEvery.toMillis();
        heartbeat.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /** Takes the lock of a run directory, or fails with a {@link UserError} if a live job holds it. */
    public static RunLock acquire(RunDirectory run, Duration staleAfter) {
        String owner = host() + ":" + ProcessHandle.current().pid() + ":" + Instant.now().toEpochMilli();
        if (!run.createIfAbsent(FILE, content(owner))) {
            JsonNode held = run.readText(FILE).map(RunLock::parse).orElse(null);
            String why = staleReason(held, staleAfter);
            if (why == null) {
                throw new UserError(run.uri() + " is locked by a running job (" + describe(held) + "); wait for it"
                        + " to finish, or delete " + run.uri() + "/" + FILE + " if that job is surely gone");
            }
            LOG.warn("taking over the lock of {}: {}", run.uri(), why);
            run.writeText(FILE, content(owner));
        }
        Duration every = staleAfter.dividedBy(4).compareTo(Duration.ofSeconds(30)) < 0
                ? staleAfter.dividedBy(4) : Duration.ofSeconds(30);
        return new RunLock(run, owner, every.isZero() ? Duration.ofMillis(100) : every);
    }

    private void beat() {
        try {
            run.writeText(FILE, content(owner));
        } catch (RuntimeException e) {
            LOG.warn("cannot renew the lock of {}: {}", run.uri(), e.getMessage());
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        JsonNode current = run.readText(FILE).map(RunLock::parse).orElse(null);
        if (current != null && owner.equals(current.path("owner").asText())) {
            run.delete(FILE);
        }
    }

    /** Null when the lock is live; otherwise why it is stale. */
    static String staleReason(JsonNode held, Duration staleAfter) {
        if (held == null) {
            return "the lock file is unreadable";
        }
        Instant beat = Instant.ofEpochMilli(held.path("heartbeat_ms").asLong(0));
        Duration age = Duration.between(beat, Instant.now());
        if (host().equals(held.path("host").asText())) {
            long pid = held.path("pid").asLong(-1);
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive) {
                return "its owner, process " + pid + " on this host, is gone";
            }
        }
        if (age.compareTo(staleAfter) > 0) {
            return "its last heartbeat is " + age.toSeconds() + " s old";
        }
        return null;
    }

    private static String describe(JsonNode held) {
        if (held == null) {
            return "owner unknown";
        }
        long ageSeconds = Duration.between(Instant.ofEpochMilli(held.path("heartbeat_ms").asLong(0)), Instant.now())
                .toSeconds();
        return "host " + held.path("host").asText() + ", pid " + held.path("pid").asText() + ", last heartbeat "
                + ageSeconds + " s ago";
    }

    private static JsonNode parse(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static String content(String owner) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("host", host());
        m.put("pid", ProcessHandle.current().pid());
        m.put("heartbeat_ms", Instant.now().toEpochMilli());
        m.put("heartbeat", Instant.now().toString());
        return Json.write(m) + "\n";
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
