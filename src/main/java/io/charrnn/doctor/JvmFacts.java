package io.charrnn.doctor;

import io.charrnn.model.FusedLstm;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What one JVM (the driver, or an executor) brings to training: its JDK, which of the project's JVM flags it lacks,
 * which LSTM kernel it runs, ND4J's backend and threads, and its memory limits. Gathered where it runs.
 *
 * @param missingFlags flags of conf/jvm-options that this JVM was not started with
 * @param ompThreads   the OMP_NUM_THREADS environment variable, or null when unset
 * @param offHeapLimitSet whether ND4J's off-heap limits were given (-Dorg.bytedeco.javacpp.maxbytes); without
 *                     them JavaCPP allows the heap's size again off the heap, and twice it in all
 */
public record JvmFacts(String host, String executorId, int jdkFeature, String jdkVersion, List<String> missingFlags,
                       boolean vectorKernel, String nd4jBackend, String blas, String ompThreads, int nd4jThreads,
                       long heapBytes, long offHeapBytes, long physicalBytes, boolean offHeapLimitSet,
                       int processors) implements Serializable {

    /** This JVM's facts; {@code requiredFlags} are conf/jvm-options' flags, {@code executorId} Spark's name. */
    public static JvmFacts here(String executorId, List<String> requiredFlags) {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> missing = new ArrayList<>();
        for (String flag : requiredFlags) {
            if (!args.contains(flag)) {
                missing.add(flag);
            }
        }
        boolean limits = args.stream().anyMatch(a -> a.startsWith("-Dorg.bytedeco.javacpp.maxbytes="));
        return new JvmFacts(hostName(), executorId, Runtime.version().feature(), System.getProperty("java.version")
                + " (" + System.getProperty("java.vendor") + ")", List.copyOf(missing), FusedLstm.vectorKernel(),
                Nd4j.getBackend().getClass().getSimpleName(), String.valueOf(Nd4j.factory().blas().getBlasVendor()),
                System.getenv("OMP_NUM_THREADS"), Nd4j.getEnvironment().maxThreads(), Runtime.getRuntime().maxMemory(),
                Pointer.maxBytes(), Pointer.maxPhysicalBytes(), limits, Runtime.getRuntime().availableProcessors());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown host";
        }
    }

    public String kernel() {
        return vectorKernel ? "vector" : "scalar";
    }
}
