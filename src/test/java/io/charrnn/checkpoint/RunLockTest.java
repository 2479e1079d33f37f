package io.charrnn.checkpoint;

import io.charrnn.corpus.UserError;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

class RunLockTest {
    @TempDir
    Path dir;

    private RunDirectory run() {
        return new RunDirectory(dir.resolve("run").toUri().toString(), new Configuration());
    }

    private void writeLock(String host, long pid, Instant heartbeat) throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run").resolve(RunLock.FILE), String.format(
                "{\"owner\":\"x\",\"host\":\"%s\",\"pid\":%d,\"heartbeat_ms\":%d}", host, pid,
                heartbeat.toEpochMilli()));
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
    void aLockOfADeadProcessOnThisHostIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeLock(RunLock.host(), gone.pid(), Instant.now());
        try (RunLock lock = RunLock.acquire(run(), Duration.ofMinutes(10))) {
            assertTrue(Files.readString(dir.resolve("run").resolve(RunLock.FILE))
                    .contains("\"pid\":" + ProcessHandle.current().pid()));
        }
    }

    @Test
    void aLockFromAnotherHostIsStaleOnlyWhenItsHeartbeatIsOld() throws Exception {
        writeLock("some-other-host", 1, Instant.now());
        assertThrows(UserError.class, () -> RunLock.acquire(run(), Duration.ofMinutes(10)));
        writeLock("some-other-host", 1, Instant.now().minus(Duration.ofMinutes(11)));
        RunLock.acquire(run(), Duration.ofMinutes(10)).close();
    }

    @Test
    void theHeartbeatKeepsALongJobsLockFresh() throws Exception {
        RunDirectory run = run();
        try (RunLock lock = RunLock.acquire(run, Duration.ofMillis(400))) {
            Thread.sleep(1000);
            // The heartbeat runs every 100 ms here, so the lock is never older than the stale time.
            assertThrows(UserError.class, () -> RunLock.acquire(run, Duration.ofMillis(400)));
        }
    }
}
