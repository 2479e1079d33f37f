package io.charrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code charrnn doctor} on the embedded local Spark, in a JVM started the way the project starts its JVMs. */
class DoctorTest {
    @TempDir
    Path dir;

    @Test
    void aMachineSetUpByTheProjectPassesEveryCheck() {
        Path output = dir.resolve("runs").resolve("new");
        Cli doctor = Cli.run("doctor", "--output", output.toString(), "--conf", "spark.master=local[2]");
        assertEquals(0, doctor.exitCode(), doctor.toString());
        assertTrue(doctor.out().contains("vector LSTM kernel"), doctor.toString());
        assertTrue(doctor.out().contains("OMP_NUM_THREADS 1 = spark.task.cpus"), doctor.toString());
        assertTrue(doctor.out().contains("is writable"), doctor.toString());
        assertTrue(doctor.out().contains("all checks passed on local[2]"), doctor.toString());
        assertFalse(Files.exists(output.getParent()), "the check leaves no directory behind");
        assertTrue(Files.exists(dir), "only what it created is removed");
    }

    @Test
    void anOutputThatCannotBeWrittenIsAThingToFix() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Cli doctor = Cli.run("doctor", "--output", file.resolve("run").toString(), "--conf", "spark.master=local[1]",
                "--json");
        assertEquals(Main.USER_ERROR, doctor.exitCode(), doctor.toString());
        var report = io.charrnn.common.Json.mapper().readTree(doctor.out());
        assertFalse(report.get("ok").asBoolean());
        boolean named = false;
        for (var finding : report.get("findings")) {
            if (!finding.get("ok").asBoolean()) {
                assertEquals("output", finding.get("subject").asText(), finding.toString());
                assertTrue(finding.get("text").asText().startsWith("cannot write to "), finding.toString());
                named = true;
            }
        }
        assertTrue(named, doctor.out());
        assertEquals(1, report.get("executors").size(), "local mode has one executor: " + doctor.out());
        assertTrue(report.get("executors").get(0).get("vectorKernel").asBoolean(), doctor.out());
    }
}
