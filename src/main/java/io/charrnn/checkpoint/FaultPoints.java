package io.charrnn.checkpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Places inside every file write where a test can kill the job: with {@code -Dcharrnn.faults.killAt=POINT:N} the
 * JVM sends itself SIGKILL the N-th time (from 1) it passes POINT, so a test can stop a real job between any two
 * steps of a write and check what the next job finds; with {@code -Dcharrnn.faults.pauseBeforeRename=PREFIX:MS} every
 * replace of a file whose name starts with PREFIX waits MS milliseconds with its temporary file written, for a test
 * to kill or stop the job there. Unset in normal use, where passing a point costs one comparison.
 */
public final class FaultPoints {
    public static final String PROPERTY = "charrnn.faults.killAt";
    /** A replace's temporary file is written and synced; the target is not yet renamed over. */
    public static final String REPLACE_WRITTEN = "replace.written";
    /** A replace's rename is done. */
    public static final String REPLACE_RENAMED = "replace.renamed";
    /** Half of an appended line is written and synced: the kill tears the line. */
    public static final String APPEND_TORN = "append.torn";
    /**
     * An appended line is written whole and synced, and its file not yet closed: on HDFS the file stays open under
     * the killed job's lease, so the next job's first append to it is refused until the lease is recovered.
     */
    public static final String APPEND_UNCLOSED = "append.unclosed";
    /** An append is done. */
    public static final String APPEND_DONE = "append.done";

    /** {@code PREFIX:MILLISECONDS}: pause before renaming a replaced file whose name starts with PREFIX. */
    public static final String PAUSE_BEFORE_RENAME = "charrnn.faults.pauseBeforeRename";

    private static final String PAUSE_PREFIX;
    private static final long PAUSE_MILLIS;
    private static final String POINT;
    private static final int OCCURRENCE;
    private static final Map<String, AtomicInteger> PASSED = new ConcurrentHashMap<>();

    static {
        String pause = System.getProperty(PAUSE_BEFORE_RENAME);
        int at = pause == null ? -1 : pause.lastIndexOf(':');
        PAUSE_PREFIX = at >= 0 ? pause.substring(0, at) : null;
        PAUSE_MILLIS = at >= 0 ? Long.parseLong(pause.substring(at + 1)) : 0;
        String spec = System.getProperty(PROPERTY);
        int colon = spec == null ? -1 : spec.lastIndexOf(':');
        POINT = colon > 0 ? spec.substring(0, colon) : null;
        OCCURRENCE = colon > 0 ? Integer.parseInt(spec.substring(colon + 1)) : -1;
    }

    private FaultPoints() {
    }

    /** Waits here if a test asked to pause before renaming files of this name. */
    static void pauseBeforeRename(String name) {
        if (PAUSE_PREFIX != null && name.startsWith(PAUSE_PREFIX)) {
            try {
                Thread.sleep(PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills this JVM if this is the chosen pass of the chosen point. */
    static void pass(String point) {
        if (isTheKill(point)) {
            killSelf();
        }
    }

    /** Whether this pass of {@code point} is the one to kill at (the caller does its half step, then calls kill). */
    static boolean isTheKill(String point) {
        return POINT != null && POINT.equals(point)
                && PASSED.computeIfAbsent(point, p -> new AtomicInteger()).incrementAndGet() == OCCURRENCE;
    }

    /** SIGKILL to this process, as an operator's kill -9 or the OOM killer sends it; halt if that fails. */
    static void killSelf() {
        try {
            // By its path, not through PATH: a test hook must not run whatever a job's PATH finds first.
            new ProcessBuilder("/bin/kill", "-9", Long.toString(ProcessHandle.current().pid())).inheritIO().start()
                    .waitFor();
            Thread.sleep(10_000);
        } catch (Exception ignored) {
            // Fall through to halt.
        }
        Runtime.getRuntime().halt(137);
    }
}
