package io.charrnn.spark;

import io.charrnn.doctor.JvmFacts;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/** Asks every executor it can reach for its {@link JvmFacts}, through one small job of many short tasks. */
public final class ExecutorProbe {
    private ExecutorProbe() {
    }

    /**
     * One entry per executor (in local mode the one executor is the driver's JVM); none when no executor registers
     * or the probe gets no resources within two minutes.
     */
    public static Collection<JvmFacts> executors(JavaSparkContext jsc) throws InterruptedException {
        awaitExecutors(jsc);
        // Several tasks per slot, each long enough that a free slot on every executor takes one.
        int tasks = 4 * Math.max(1, jsc.defaultParallelism());
        List<String> flags = SparkSetup.jvmOptions();
        if (!jsc.sc().isLocal() && jsc.sc().getExecutorMemoryStatus().size() <= 1) {
            return List.of(); // none registered: a probe job would wait for resources forever
        }
        JavaFutureAction<List<JvmFacts>> probe = jsc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .map(i -> {
                    Thread.sleep(200);
                    return JvmFacts.here(SparkEnv.get().executorId(), flags);
                }).collectAsync();
        List<JvmFacts> all;
        try {
            all = probe.get(2, TimeUnit.MINUTES);
        } catch (TimeoutException | ExecutionException e) {
            probe.cancel(true);
            return List.of();
        }
        Map<String, JvmFacts> byExecutor = new LinkedHashMap<>();
        for (JvmFacts f : all) {
            byExecutor.putIfAbsent(f.executorId() + "@" + f.host(), f);
        }
        return byExecutor.values();
    }

    /**
     * Executors register for a while after the context starts: waits until their number has not changed for
     * three seconds (at most 30), so that the probe's tasks are spread over all of them.
     */
    private static void awaitExecutors(JavaSparkContext jsc) throws InterruptedException {
        if (jsc.sc().isLocal()) {
            return;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        int count = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int now = jsc.sc().getExecutorMemoryStatus().size() - 1; // the driver is in it too
            if (now != count) {
                count = now;
                since = System.nanoTime();
            } else if (count > 0 && System.nanoTime() - since > 3_000_000_000L) {
                return;
            }
            Thread.sleep(250);
        }
    }
}
