package io.charrnn.spark;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LossMeter;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/** Distributed, exact cross-entropy of a network on windows; shared by training's validation and {@code eval}. */
public final class Evaluation {
    private Evaluation() {
    }

    /**
     * @param carried carry the LSTM state through consecutive windows ({@link LossMeter#addCarried}), as char-rnn
     *                scores a text; false scores every window from a zero state
     */
    public static LossMeter loss(JavaSparkContext jsc, MultiLayerNetwork net, JavaRDD<EncodedWindow> windows,
                                 int batchSize, boolean carried) {
        Broadcast<NetSnapshot> snapshot = jsc.broadcast(new NetSnapshot(net));
        int vocabSize = CharLstm.vocabularySize(net);
        try {
            // Collected, then added in partition order: reduce would add the partitions' sums in the order their tasks
            // end, and the loss (a checkpoint's name, which checkpoint is best) would vary in its last bits.
            LossMeter total = new LossMeter();
            windows.mapPartitions(it -> {
                LossMeter meter = new LossMeter();
                if (it.hasNext()) {
                    meter.addAll(snapshot.value().network(), it, batchSize, vocabSize, carried);
                }
                return List.of(meter).iterator();
            }).collect().forEach(total::merge);
            return total;
        } finally {
            snapshot.destroy();
        }
    }

    /**
     * The held-out windows that training evaluates: all of them, or groups of consecutive ones spread over the whole
     * split so that at most {@code maxChars} characters are scored ({@link ValidationSplit.Subset}). Deterministic for
     * a corpus and its partitions, so {@code eval --split validation} scores exactly the windows training scored.
     */
    public static Scored validationSubset(JavaRDD<EncodedWindow> windows, long maxChars, int window) {
        JavaPairRDD<EncodedWindow, Long> all = windows.filter(EncodedWindow::isValidation).zipWithIndex();
        ValidationSplit.Subset subset = ValidationSplit.Subset.of(all.count(), maxChars, window,
                LossMeter.CARRY_WINDOWS);
        return new Scored(all.filter(p -> subset.keeps(p._2()))
                .map(p -> subset.afterAGap(p._2()) ? p._1().standingAlone() : p._1())
                .persist(StorageLevel.MEMORY_AND_DISK_SER()), subset.stride() > 1);
    }

    /** The validation windows scored, and whether they are groups of the split rather than all of it. */
    public record Scored(JavaRDD<EncodedWindow> windows, boolean sampled) {
    }
}
