package io.charrnn.spark;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.model.CharLstm;
import io.charrnn.model.Minibatches;
import io.charrnn.training.ModelState;
import io.charrnn.training.RoundStart;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.WorkerResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --averaging dl4j}: a round trained by DL4J's ParameterAveragingTrainingMaster, the design this project
 * started from, kept as the baseline the round loop is measured against (Spark 3.5 build only: DL4J's Spark module
 * exists for Spark 3 / Scala 2.12 alone). DL4J counts {@code averagingFrequency}
 * optimizer steps per round (the workers take one per truncated-BPTT segment), and its training loss is the last
 * segment's; both are reported as DL4J has them.
 */
final class Dl4jAveraging implements DelegatedRound {
    private final SparkDl4jMultiLayer sparkNet;
    private final int batchSize;
    private final int seqLength;

    Dl4jAveraging(JavaSparkContext jsc, TrainConfig config, int vocabularySize, int workers) {
        this.batchSize = config.batchSize();
        this.seqLength = config.model().seqLength();
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers,
                config.batchSize())
                .batchSizePerWorker(config.batchSize())
                .averagingFrequency(config.averagingFrequency())
                .saveUpdater(true)
                // Windows arrive already dealt to workers (see RoundPlan), so DL4J must not shuffle them again,
                // and minibatches are cheaper to rebuild than to cache.
                .repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .rngSeed(config.model().seed())
                .build();
        MultiLayerNetwork net = CharLstm.create(config.model(), vocabularySize);
        this.sparkNet = new SparkDl4jMultiLayer(jsc, net, master);
    }

    @Override
    public WorkerResult fit(JavaRDD<EncodedWindow> share, RoundStart start, long windows) {
        start.applyTo(sparkNet.getNetwork());
        int batch = batchSize;
        JavaRDD<DataSet> batches = share.mapPartitions(it -> {
            List<DataSet> out = new ArrayList<>();
            Minibatches.group(it, batch).forEachRemaining(b -> out.add(Minibatches.toDataSet(b)));
            return out.iterator();
        });
        long started = System.nanoTime();
        sparkNet.fit(batches);
        double seconds = (System.nanoTime() - started) / 1e9;
        ModelState end = ModelState.of(sparkNet.getNetwork());
        int steps = end.iteration() - start.state().iteration();
        // DL4J's master does not say how long its workers took: the whole fit counts as work.
        return WorkerResult.of(0, end, steps, sparkNet.getScore() / seqLength, 1, windows, seconds);
    }
}
