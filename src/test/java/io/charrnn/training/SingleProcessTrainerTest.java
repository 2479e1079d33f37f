package io.charrnn.training;

import io.charrnn.TestCorpora;
import io.charrnn.corpus.TextLine;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench's single-process trainer learns with the fused layer, without Spark. */
class SingleProcessTrainerTest {
    @Test
    void learnsWithinSeconds() throws Exception {
        String text = TestCorpora.shakespeare(60_000);
        List<TextLine> lines = new ArrayList<>();
        long offset = 0;
        for (String line : text.split("\n", -1)) {
            lines.add(new TextLine("shakespeare.txt", offset, line));
            offset += line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
        }
        ModelConfig model = new ModelConfig(1, 32, 25, 0, 1e-2, 5, 1, LstmImplementation.FUSED);
        TrainConfig config = new TrainConfig("mem", "none", model, 100, 16, 1, 0.1, 3, 0.1, 5, 1, 100_000, 0,
                0.97, 10, 0, null);
        SingleProcessTrainer.Result result = SingleProcessTrainer.train(config, lines);
        assertTrue(result.charsTrained() > 0 && result.trainSeconds() > 0, result.toString());
        double uniform = Math.log(result.vocabularySize());
        // An untrained model scores about ln(vocabulary); a few seconds of training must do clearly better.
        assertTrue(result.valLoss() < uniform - 0.8, "validation loss " + result.valLoss() + " vs " + uniform);
    }
}
