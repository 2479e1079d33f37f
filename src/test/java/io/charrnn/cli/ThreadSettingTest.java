package io.charrnn.cli;

import io.charrnn.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The project's own thread setting, in JVMs whose environment has no OMP_NUM_THREADS (the test JVMs themselves get
 * one from the build, so nothing else here would notice if the project stopped setting it): the launcher gives one
 * OpenMP thread per Spark task, and a JVM started without it is told what to fix.
 */
class ThreadSettingTest {
    @TempDir
    Path dir;

    @Test
    void theLauncherGivesOneThreadPerTaskWhereTheEnvironmentHasNone() throws Exception {
        // submit/charrnn's own launcher function, on the test classpath (so that no build runs inside the test).
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". submit/local-jvm.sh && exec_local_jvm -cp \"$CP\" "
                + "io.charrnn.cli.Main doctor --conf spark.master=local[2] --conf spark.ui.enabled=false")
                .redirectErrorStream(true).redirectOutput(dir.resolve("doctor.log").toFile());
        pb.environment().remove("OMP_NUM_THREADS");
        pb.environment().put("CP", System.getProperty("java.class.path"));
        Process doctor = pb.start();
        assertTrue(doctor.waitFor(3, TimeUnit.MINUTES), "doctor did not end");
        String out = Files.readString(dir.resolve("doctor.log"));
        assertEquals(0, doctor.exitValue(), out);
        assertTrue(out.contains("OMP_NUM_THREADS 1 = spark.task.cpus"), out);
    }

    @Test
    void aJvmStartedWithoutTheSettingIsToldWhatToSet() throws Exception {
        ChildJvm doctor = ChildJvm.start(dir, Map.of("OMP_NUM_THREADS", ""),
                List.of("doctor", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false"));
        assertTrue(doctor.process().waitFor(3, TimeUnit.MINUTES), "doctor did not end");
        String out = Files.readString(doctor.log());
        assertEquals(Main.USER_ERROR, doctor.process().exitValue(), out);
        assertTrue(out.contains("OMP_NUM_THREADS is unset"), out);
        assertTrue(out.contains("set OMP_NUM_THREADS=1"), out);
        assertTrue(out.contains("OMP_NUM_THREADS is unset but should be 1"), "the job's own warning: " + out);
    }
}
