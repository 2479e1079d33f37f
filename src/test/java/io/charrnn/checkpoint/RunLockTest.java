package io.charrnn.checkpoint;

import io.charrnn.common.Json;
import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class RunLockTest {
    @TempDir
    Path dir;

    private RunDirectory run() {
        return new RunDirectory(dir.resolve("run").toUri().toString(), new Configuration());
    }

    private Path lockFile() {
        return dir.resolve("run").resolve(RunLock.FILE);
    }

    /** A lock as another job writes it, last renewed {@code age} ago by the filesystem's clock. */
    private void writeLock(String machine, long pid, Duration age) throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(lockFile(), String.format(
                "{\"token\":\"someone-else\",\"host\":\"h\",\"machine\":\"%s\",\"pid\":%d}", machine, pid));
        Files.setLastModifiedTime(lockFile(), FileTime.from(Instant.now().minus(age)));
    }

    @Test
    void aLiveLockIsRefusedWithItsOwnerAndReleasedOnClose() {
        RunDirectory run = run();
        try (RunLock first = RunLock.acquire(run, Duration.ofMinutes(10))) {
            assertTrue(run.exists(RunLock.FILE));
            UserError e = assertThrows(UserError.class, () -> RunLock.acquire(run, Duration.ofMinutes(10)));
            assertTrue(e.getMessage().contains("locked by a running job")
                    && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        assertFalse(run.exists(RunLock.FILE));
        RunLock.acquire(run, Duration.ofMinutes(10)).close();
    }

    @Test
    void aLockOfADeadProcessOnThisMachineIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeLock(RunLock.machine(), gone.pid(), Duration.ZERO);
        try (RunLock lock = RunLock.acquire(run(), Duration.ofMinutes(10))) {
            assertTrue(Files.readString(lockFile()).contains("\"pid\":" + ProcessHandle.current().pid()));
        }
    }

    /** A killed JVM that no one reaps keeps its pid as a zombie: it is gone all the same. */
    @Test
    void aZombieOwnerIsGone() throws Exception {
        // The child exits once its parent has become `sleep`, which never waits for it (a shell could reap a child
        // that exits before the exec).
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.3 & echo $!; exec sleep 60").start();
        try {
            long zombie = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream()))
                    .readLine().trim());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(Path.of("/proc/" + zombie + "/stat")).contains(") Z")) {
                assertTrue(System.nanoTime() < deadline, "no zombie appeared");
                Thread.sleep(20);
            }
            assertTrue(ProcessHandle.of(zombie).map(ProcessHandle::isAlive).orElse(false),
                    "the JDK calls a zombie alive, or this test checks nothing");
            assertFalse(RunLock.alive(zombie, 0));
            writeLock(RunLock.machine(), zombie, Duration.ZERO);
            RunLock.acquire(run(), Duration.ofMinutes(10)).close();
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void aPidThatAnotherProcessGotLaterIsGone() {
        long self = ProcessHandle.current().pid();
        long started = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertTrue(RunLock.alive(self, started));
        assertFalse(RunLock.alive(self, started - 3_600_000));
    }

    @Test
    void aLockFromAnotherMachineIsStaleOnlyWhenNotRenewedForTheStaleTimeByTheFilesystemsClock() throws Exception {
        // The pid would be alive here: another machine's pid says nothing about this one's processes.
        writeLock("another-machine", ProcessHandle.current().pid(), Duration.ofMinutes(9));
        assertThrows(UserError.class, () -> RunLock.acquire(run(), Duration.ofMinutes(10)));
        writeLock("another-machine", 1, Duration.ofMinutes(11));
        RunLock.acquire(run(), Duration.ofMinutes(10)).close();
    }

    @Test
    void theHeartbeatKeepsALongJobsLockFresh() throws Exception {
        RunDirectory run = run();
        try (RunLock lock = RunLock.acquire(run, Duration.ofSeconds(2))) {
            // Beats counted in the lock itself, however slow this machine is: three renewals, each by this job.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (beat() < 3) {
                assertTrue(System.nanoTime() < deadline, "the heartbeat did not renew the lock: " + beat());
                Thread.sleep(50);
            }
            assertNull(lock.lostReason());
            assertThrows(UserError.class, () -> RunLock.acquire(run, Duration.ofSeconds(2)));
        }
    }

    private long beat() throws Exception {
        return io.charrnn.common.Json.mapper().readTree(Files.readString(lockFile())).path("beat").asLong();
    }

    @Test
    void aJobWhoseLockWasTakenOverStopsBeforeItsNextWrite() throws Exception {
        RunDirectory run = run();
        try (RunLock lock = RunLock.acquire(run, Duration.ofMinutes(10))) {
            run.writeText("metrics.jsonl", "{}\n");
            writeLock("another-machine", 1, Duration.ZERO);
            LockLost e = assertThrows(LockLost.class, () -> run.writeText("metrics.jsonl", "{}\n{}\n"));
            assertTrue(e.getMessage().contains("another job took over"), e.getMessage());
            io.charrnn.cli.Cli seen = io.charrnn.cli.Cli.reported(e);
            assertEquals(io.charrnn.cli.Main.FAILURE, seen.exitCode(), seen.toString());
            assertTrue(seen.err().startsWith("charrnn: stopped: "), seen.err());
            assertEquals("{}\n", Files.readString(dir.resolve("run").resolve("metrics.jsonl")));
            assertThrows(LockLost.class, () -> run.delete("metrics.jsonl"));
        }
        // The other job's lock stays.
        assertTrue(Files.readString(lockFile()).contains("someone-else"));
    }

    @Test
    void theHeartbeatNoticesATakeoverAndStopsRenewing() throws Exception {
        RunDirectory run = run();
        try (RunLock lock = RunLock.acquire(run, Duration.ofMillis(400))) {
            // Taken over until the heartbeat (not a write: this job writes nothing here) has noticed. A beat that
            // read the lock just before a takeover may put its own back once; the takeover is then written again.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (lock.lostReason() == null) {
                assertTrue(System.nanoTime() < deadline, "the heartbeat never noticed the takeover");
                writeLock("another-machine", 1, Duration.ZERO);
                Thread.sleep(100);
            }
            assertTrue(lock.lostReason().contains("another job took over"), lock.lostReason());
            writeLock("another-machine", 1, Duration.ZERO);
            Thread.sleep(500); // five of its beats' periods: a heartbeat still running would have renewed by now
            assertTrue(Files.readString(lockFile()).contains("someone-else"), "the heartbeat wrote over a takeover");
            assertThrows(LockLost.class, () -> run.writeText("x", "y"));
        }
    }

    /** Of jobs that start at once, on a new directory or on a stale lock, exactly one gets the lock. */
    @Test
    void ofManyJobsStartingAtOnceExactlyOneHoldsTheLock() throws Exception {
        for (boolean stale : new boolean[]{false, true}) {
            for (int attempt = 0; attempt < 10; attempt++) {
                Path runDir = dir.resolve("run-" + stale + "-" + attempt);
                if (stale) {
                    Process gone = new ProcessBuilder("true").start();
                    gone.waitFor();
                    Files.createDirectories(runDir);
                    Files.writeString(runDir.resolve(RunLock.FILE), "{\"token\":\"dead\",\"machine\":\""
                            + RunLock.machine() + "\",\"pid\":" + gone.pid() + "}");
                }
                assertEquals(1, holders(runDir.toUri().toString(), new Configuration(), 6),
                        (stale ? "stale lock" : "new directory") + ", attempt " + attempt);
            }
        }
    }

    /** How many of {@code jobs} threads, started together on one run directory, got its lock (then released). */
    static int holders(String uri, Configuration conf, int jobs) throws Exception {
        CyclicBarrier together = new CyclicBarrier(jobs);
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        List<Future<RunLock>> results = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            results.add(pool.submit(() -> {
                RunDirectory run = new RunDirectory(uri, conf);
                together.await();
                try {
                    return RunLock.acquire(run, Duration.ofMinutes(10));
                } catch (UserError e) {
                    return null;
                }
            }));
        }
        List<RunLock> held = new ArrayList<>();
        for (Future<RunLock> f : results) {
            RunLock lock = f.get(60, TimeUnit.SECONDS);
            if (lock != null) {
                held.add(lock);
            }
        }
        pool.shutdown();
        held.forEach(RunLock::close);
        return held.size();
    }
}
