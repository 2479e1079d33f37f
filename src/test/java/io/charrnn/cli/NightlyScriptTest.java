package io.charrnn.cli;

import io.charrnn.TestCorpora;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** submit/nightly.sh as a scheduler runs it: exit codes and one summary line for success, nothing to do, errors. */
class NightlyScriptTest {
    @TempDir
    Path dir;

    private record Result(int exit, String stdout) {
    }

    private Result nightly(String... args) throws Exception {
        return nightlyWith(ProcessHandle.current().info().command().orElse("java") + " "
                + System.getProperty("charrnn.test.jvmFlags", "") + " -Xmx1g -cp "
                + System.getProperty("java.class.path") + " io.charrnn.cli.Main", args);
    }

    private Result nightlyWith(String runner, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "submit/nightly.sh"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("CHARRNN_RUNNER", runner);
        pb.environment().put("CHARRNN_NIGHTLY_LOG", dir.resolve("nightly.log").toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        return new Result(p.exitValue(), out);
    }

    @Test
    void reportsTrainingNothingToDoAndErrorsByExitCodeAndOneLine() throws Exception {
        Path corpus = TestCorpora.writeProse(dir, 30_000);
        String[] args = {"--corpus", corpus.toString(), "--output", dir.resolve("run").toString(), "--epochs", "1",
                "--hidden", "16", "--window", "100", "--seq-length", "25", "--batch-size", "8",
                "--sample-chars", "0", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"};

        Result first = nightly(args);
        assertEquals(0, first.exit(), first.stdout());
        assertEquals(1, first.stdout().strip().lines().count(), first.stdout());
        assertTrue(first.stdout().startsWith("charrnn-nightly ") && first.stdout().contains("status=ok")
                && first.stdout().contains("validation loss"), first.stdout());

        Result second = nightly(args);
        assertEquals(Main.NOTHING_TO_DO, second.exit(), second.stdout());
        assertTrue(second.stdout().contains("status=nothing-to-do"), second.stdout());

        Result bad = nightly("--corpus", dir.resolve("missing.txt").toString(), "--output",
                dir.resolve("other").toString());
        assertEquals(Main.USER_ERROR, bad.exit(), bad.stdout());
        assertTrue(bad.stdout().contains("status=error") && bad.stdout().contains("corpus not found"), bad.stdout());

        // A job that dies without a line of its own (killed, out of memory) reports tonight's exit code, not an
        // earlier night's success from the cumulative log.
        Path dies = Files.writeString(dir.resolve("dies.sh"), "echo 'Killed' >&2\nexit 137\n");
        Result killed = nightlyWith("sh " + dies, args);
        assertEquals(Main.FAILURE, killed.exit(), killed.stdout());
        assertTrue(killed.stdout().contains("status=failed exit=1 the job ended with exit code 137; see"),
                killed.stdout());
        assertFalse(killed.stdout().contains("validation loss"), killed.stdout());

        String log = Files.readString(dir.resolve("nightly.log"));
        assertEquals(4, log.lines().filter(l -> l.startsWith("=== charrnn nightly")).count(), log);
        assertTrue(log.contains("Killed"), "tonight's output is in the log too: " + log);
    }

    @Test
    void theLogHidesSecretConfValuesWhichTheJobStillGets() throws Exception {
        // A stand-in for the job: it keeps the arguments it got and prints a summary line.
        Path got = dir.resolve("args.txt");
        Path job = Files.writeString(dir.resolve("job.sh"),
                "printf '%s\\n' \"$@\" > '" + got + "'\necho 'resuming ftp://alice:PW-3@host/run'\n"
                        + "echo 'charrnn: trained ftp://alice:PW-3@host/run'\n");
        Result result = nightlyWith("sh " + job, "--corpus", dir.resolve("corpus.txt").toString(),
                "--output", dir.resolve("run").toString(), "--conf", "spark.hadoop.fs.s3a.secret.key=S3CR3T-1",
                "--conf=spark.hadoop.fs.s3a.access.key=AKIA-2", "--conf", "spark.master=local[2]",
                "--init-from", "ftp://alice:PW-3@host/run");
        assertEquals(0, result.exit(), result.stdout());
        assertFalse(result.stdout().contains("S3CR3T-1") || result.stdout().contains("PW-3"), result.stdout());
        assertTrue(result.stdout().contains("trained ftp://alice:*********(redacted)@host/run"), result.stdout());

        String log = Files.readString(dir.resolve("nightly.log"));
        assertFalse(log.contains("S3CR3T-1") || log.contains("AKIA-2") || log.contains("PW-3"), log);
        assertTrue(log.contains("--init-from ftp://alice:*********(redacted)@host/run")
                && log.contains("resuming ftp://alice:*********(redacted)@host/run"), log);
        assertTrue(log.contains("--conf spark.hadoop.fs.s3a.secret.key=*********(redacted)")
                && log.contains("--conf=spark.hadoop.fs.s3a.access.key=*********(redacted)")
                && log.contains("--conf spark.master=local[2]"), log);
        String args = Files.readString(got);
        assertTrue(args.contains("spark.hadoop.fs.s3a.secret.key=S3CR3T-1\n")
                && args.contains("--conf=spark.hadoop.fs.s3a.access.key=AKIA-2\n")
                && args.contains("ftp://alice:PW-3@host/run\n"), args);
    }
}
