package io.charrnn.training;

import io.charrnn.TestCorpora;
import io.charrnn.corpus.CorpusOptions;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench's single-process trainer learns with the fused layer, without Spark. */
class SingleProcessTrainerTest {
    @Test
    void learnsWithinSeconds(@TempDir Path dir) throws Exception {
        Path file = TestCorpora.writeShakespeare(dir, 60_000);
        LocalCorpus corpus = LocalCorpus.read(new Configuration(), file.toUri().toString(),
                CorpusOptions.defaults(0.1));
        ModelConfig model = new ModelConfig(1, 32, 25, 0, 1e-2, 5, 1, LstmImplementation.FUSED);
        TrainConfig config = new TrainConfig("mem", "none", model, 100, 16, 1, 0.1, 3, 0.1, 5, 1, 100_000, 0,
                0.97, 10, 0, null);
        SingleProcessTrainer.Result result = SingleProcessTrainer.train(config, corpus);
        assertTrue(result.charsTrained() > 0 && result.trainSeconds() > 0, result.toString());
        double uniform = Math.log(result.vocabularySize());
        // An untrained model scores about ln(vocabulary); a few seconds of training must do clearly better.
        assertTrue(result.valLoss() < uniform - 0.8, "validation loss " + result.valLoss() + " vs " + uniform);
    }
}
