package io.charrnn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** The command line in a child JVM with the test's classpath and flags, to be killed with SIGKILL at a chosen moment. */
public final class ChildJvm {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code charrnn args} with one OpenMP thread, as the project's launcher gives; {@code jvmProperties} are
     * extra -D flags, e.g. fault-injection pauses.
     */
    public static ChildJvm start(Path logDir, List<String> args, String... jvmProperties) throws Exception {
        return start(logDir, java.util.Map.of("OMP_NUM_THREADS", "1"), args, jvmProperties);
    }

    /** As {@link #start}, with these environment variables set, or removed where the value is empty. */
    public static ChildJvm start(Path logDir, java.util.Map<String, String> environment, List<String> args,
                                 String... jvmProperties) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String flag : System.getProperty("charrnn.test.jvmFlags", "").split(" ")) {
            if (!flag.isBlank()) {
                command.add(flag);
            }
        }
        command.addAll(Arrays.asList(jvmProperties));
        // Spark's scratch directories (blockmgr-*, spark-*) go under java.io.tmpdir and are removed by a shutdown
        // hook, which a SIGKILL never runs: inside the test's own directory they go when the test's directory does,
        // instead of piling up in the machine's /tmp (about 40 a CI run).
        Path scratch = Files.createDirectories(logDir.resolve("child-tmp"));
        command.add("-Djava.io.tmpdir=" + scratch);
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.charrnn.cli.Main");
        command.addAll(args);
        Path log = logDir.resolve("child-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment.forEach((name, value) -> {
            if (value.isEmpty()) {
                pb.environment().remove(name);
            } else {
                pb.environment().put(name, value);
            }
        });
        return new ChildJvm(pb.start(), log);
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** Waits up to 3 minutes for the condition while the child lives. */
    public void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail((process.isAlive() ? "timed out waiting for " : "the child exited before ") + what
                        + "; its log ends:\n" + tail());
            }
            Thread.sleep(50);
        }
    }

    /** SIGKILL (what Process.destroyForcibly sends on Linux): no shutdown hooks, no finally blocks. */
    public void kill() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, process.exitValue(), "expected death by SIGKILL");
    }

    public String tail() throws java.io.IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
