package io.charrnn.spark;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LossMeter;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The distributed loss of {@link Evaluation} on local Spark. */
class EvaluationTest {
    private static final int VOCABULARY = 7;
    private static final int PARTITIONS = 8;

    /**
     * The loss is the partitions' sums added in partition order, whatever order their tasks end in: a validation
     * loss, and so the checkpoint names and which checkpoint is best, must not depend on which task was slower.
     * Here the partitions end in reverse order (each waits longer than the next).
     */
    @Test
    void theLossAddsThePartitionsInTheirOrderNotInTheOrderTheirTasksEnd() throws Exception {
        ModelConfig model = new ModelConfig(1, 16, 10, 0, 1e-2, 5, 11, LstmImplementation.FUSED);
        MultiLayerNetwork net = CharLstm.create(model, VOCABULARY);
        // Data whose partition sums give another last bit when added in reverse, as Spark's reduce would add them.
        List<List<EncodedWindow>> parts = null;
        LossMeter inOrder = null;
        for (long seed = 1; seed <= 50 && parts == null; seed++) {
            List<List<EncodedWindow>> candidate = windows(new Random(seed));
            List<LossMeter> meters = new ArrayList<>();
            for (List<EncodedWindow> part : candidate) {
                LossMeter meter = new LossMeter();
                meter.addAll(net, part.iterator(), 4, VOCABULARY, false);
                meters.add(meter);
            }
            LossMeter forward = new LossMeter();
            meters.forEach(forward::merge);
            LossMeter reversed = new LossMeter();
            for (int p = PARTITIONS - 1; p >= 0; p--) {
                reversed = new LossMeter().merge(meters.get(p)).merge(reversed);
            }
            if (forward.natsPerChar() != reversed.natsPerChar()) {
                parts = candidate;
                inOrder = forward;
            }
        }
        assertNotNull(parts, "no data of 50 tells the two orders apart");

        var conf = SparkSetup.configure("evaluation-test", Map.of("spark.master", "local[" + PARTITIONS + "]",
                "spark.ui.enabled", "false"));
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            // Partition p holds parts.get(p), and ends after partition p + 1.
            JavaRDD<EncodedWindow> windows = jsc.parallelize(parts, PARTITIONS).mapPartitionsWithIndex((index, it) -> {
                Thread.sleep(300L * (PARTITIONS - 1 - index));
                List<EncodedWindow> out = new ArrayList<>();
                it.forEachRemaining(out::addAll);
                return out.iterator();
            }, true);
            LossMeter distributed = Evaluation.loss(jsc, net, windows, 4, false);
            assertEquals(inOrder.count(), distributed.count());
            assertEquals(Double.doubleToRawLongBits(inOrder.natsPerChar()),
                    Double.doubleToRawLongBits(distributed.natsPerChar()),
                    inOrder.natsPerChar() + " in partition order, " + distributed.natsPerChar() + " distributed");
        }
    }

    private static List<List<EncodedWindow>> windows(Random random) {
        List<List<EncodedWindow>> parts = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<EncodedWindow> part = new ArrayList<>();
            for (int w = 0; w < 3 + p; w++) {
                short[] ids = new short[40];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = (short) random.nextInt(VOCABULARY);
                }
                part.add(new EncodedWindow(true, ids));
            }
            parts.add(part);
        }
        return parts;
    }
}
