package io.charrnn.spark;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.common.UserError;
import io.charrnn.training.RoundStart;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.WorkerResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A round trained by another library's master instead of this project's loop: {@code --averaging dl4j}, DL4J's
 * parameter averaging. DL4J's Spark module exists for Spark 3 / Scala 2.12 only, so its adapter lives in the
 * Spark 3.5 build's sources (src/spark-3.5/java) and is found by name; the Spark 4 build has none.
 */
interface DelegatedRound {
    String DL4J_ADAPTER = "io.charrnn.spark.Dl4jAveraging";

    WorkerResult fit(JavaRDD<EncodedWindow> share, RoundStart start, long windows);

    /** Whether this build has DL4J's master (the Spark 3.5 build). */
    static boolean dl4jAvailable() {
        try {
            Class.forName(DL4J_ADAPTER, false, DelegatedRound.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Refuses {@code --averaging dl4j} in a build without DL4J's Spark module, before any training starts. */
    static void requireDl4j() {
        if (!dl4jAvailable()) {
            throw new UserError("--averaging dl4j needs the Spark 3.5 build (DL4J's Spark module exists for Spark 3 "
                    + "only): build with mvn -Pspark-3.5, or use --averaging outer");
        }
    }

    static DelegatedRound dl4j(JavaSparkContext jsc, TrainConfig config, int vocabularySize, int workers) {
        requireDl4j();
        try {
            return (DelegatedRound) Class.forName(DL4J_ADAPTER)
                    .getDeclaredConstructor(JavaSparkContext.class, TrainConfig.class, int.class, int.class)
                    .newInstance(jsc, config, vocabularySize, workers);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start " + DL4J_ADAPTER, e);
        }
    }
}
