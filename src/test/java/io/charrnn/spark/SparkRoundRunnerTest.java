package io.charrnn.spark;

import io.charrnn.TestCorpora;
import io.charrnn.TrainingState;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.corpus.VocabularyPolicy;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.session.TrainingSession;
import io.charrnn.training.Averaging;
import io.charrnn.training.LocalRoundRunner;
import io.charrnn.training.ModelState;
import io.charrnn.training.RoundRunner;
import io.charrnn.training.TrainConfig;
import io.charrnn.training.WorkerResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark round runner computes exactly what the in-process runner (its workers one after another, on one thread)
 * computes, float for float, for 2, 3 and 10 workers (so neither the thread a task runs on nor the order tasks end
 * in reaches the result), and its tree of partial sums is fixed by the worker count alone, whatever order the
 * partial results arrive in.
 */
class SparkRoundRunnerTest {
    private static final ModelConfig MODEL = new ModelConfig(1, 16, 10, 0, 1e-2, 5, 5, LstmImplementation.FUSED);

    @TempDir
    Path dir;

    private static SparkConf sparkConf() {
        return SparkSetup.configure("round-runner-test", Map.of("spark.master", "local[2]", "spark.ui.enabled",
                "false"));
    }

    @Test
    void sparkTrainsTheSameBitsAsTheInProcessRunner() throws Exception {
        Path corpus = TestCorpora.writeVerse(dir, 24_000);
        // One partition reads the file in one piece, so Spark numbers the windows as the in-process reader does.
        CorpusOptions options = new CorpusOptions(VocabularyPolicy.DEFAULT, 0.1, 1, CorpusOptions.DEFAULT_MAX_MALFORMED, null);
        // 3 workers on 2 slots: a worker's task runs on whichever thread is free, after other workers' tasks there.
        // 10: above FANOUT, the results are summed by Spark's tasks (a shuffle, whose blocks arrive in any order).
        for (int workers : new int[]{2, 3, 10}) {
            TrainConfig config = new TrainConfig(corpus.toString(), "unused", MODEL, 40, 4, 2, 0.1, 1, 0, 5,
                    workers, 100_000, 0, 1, 10, 0, null, new Averaging(Averaging.Mode.OUTER, 1, null, 0), null, 1, null, null, 0);
            Path onSpark = dir.resolve("spark" + workers);
            try (RoundRunner spark = SparkRoundRunner.start(sparkConf(), config, options)) {
                session(config, onSpark, spark).train(null);
            }
            Path inProcess = dir.resolve("local" + workers);
            try (RoundRunner local = new LocalRoundRunner(LocalCorpus.read(new Configuration(), corpus.toString(),
                    options), 40, 100_000)) {
                session(config, inProcess, local).train(null);
            }
            TrainingState.latest(inProcess).assertSameAs(TrainingState.latest(onSpark), workers + " workers");
        }
    }

    private static TrainingSession session(TrainConfig config, Path run, RoundRunner runner) {
        return new TrainingSession(config, new RunDirectory(run.toUri().toString(), new Configuration()), runner,
                new Configuration());
    }

    @Test
    void partialSumsFollowWorkerOrderWhateverThePartitioning() {
        int workers = 2 * WorkerResult.FANOUT + 4;
        Random r = new Random(9);
        List<WorkerResult> results = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            float[] p = new float[300];
            for (int k = 0; k < p.length; k++) {
                p[k] = (float) r.nextGaussian();
            }
            results.add(WorkerResult.of(i, new ModelState(p, p.clone(), 0), 10, 1, 1, 1, 1));
        }
        // What the tree must compute: consecutive groups of FANOUT, then the groups in order.
        List<WorkerResult> groups = new ArrayList<>();
        for (int g = 0; g * WorkerResult.FANOUT < workers; g++) {
            groups.add(WorkerResult.sumInOrder(g, results.subList(g * WorkerResult.FANOUT,
                    Math.min(workers, (g + 1) * WorkerResult.FANOUT))));
        }
        ModelState start = new ModelState(new float[300], new float[300], 0);
        int[] expected = bits(WorkerResult.sumInOrder(0, groups).mean(start).params());
        int[] sequential = bits(WorkerResult.sumInOrder(0, results).mean(start).params());
        assertFalse(java.util.Arrays.equals(expected, sequential), "the test needs a tree whose rounding differs");
        Collections.shuffle(results, new Random(3));
        assertArrayEquals(expected, bits(WorkerResult.sumAsTree(results).mean(start).params()),
                "the in-process runner's tree");
        try (JavaSparkContext jsc = new JavaSparkContext(sparkConf())) {
            // Two and three levels: the in-process tree and Spark's, whatever order the parts arrive in.
            for (int many : new int[]{65, 513}) {
                List<WorkerResult> parts = new ArrayList<>();
                for (int i = 0; i < many; i++) {
                    parts.add(WorkerResult.of(i, results.get(i % workers).mean(start), 10, 1, 1, 1, 1));
                }
                int[] tree = bits(WorkerResult.sumAsTree(parts).mean(start).params());
                Collections.shuffle(parts, new Random(many));
                assertArrayEquals(tree, bits(SparkRoundRunner.sumInWorkerOrder(jsc.parallelize(parts, 7), many)
                        .mean(start).params()), many + " workers");
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                List<WorkerResult> shuffled = new ArrayList<>(results);
                Collections.shuffle(shuffled, new Random(attempt));
                JavaRDD<WorkerResult> rdd = jsc.parallelize(shuffled, 3 + attempt);
                WorkerResult sum = SparkRoundRunner.sumInWorkerOrder(rdd, workers);
                assertEquals(workers, sum.workers());
                assertArrayEquals(expected, bits(sum.mean(start).params()), "attempt " + attempt);
            }
        }
    }
}
