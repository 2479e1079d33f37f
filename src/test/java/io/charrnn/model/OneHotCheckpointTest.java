package io.charrnn.model;

import io.charrnn.checkpoint.Checkpoint;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import static io.charrnn.TrainingState.bits;
import static io.charrnn.model.FusedLstmTest.maxAbsDifference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints written before ids (src/test/resources/checkpoints/README.md) load, predict and train as ids. */
class OneHotCheckpointTest {
    @Test
    void loadWithTheSameParametersAndPredictionsAndTrainOn() throws IOException {
        for (String name : new String[]{"onehot-fused.zip", "onehot-stock.zip"}) {
            byte[] bytes;
            try (InputStream in = getClass().getResourceAsStream("/checkpoints/" + name)) {
                bytes = in.readAllBytes();
            }
            MultiLayerNetwork old = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), true);
            assertFalse(CharLstm.takesIds(old), name + " must be a one-hot network, or this test checks nothing");
            Checkpoint loaded = Checkpoint.fromBytes(bytes, name, true);
            MultiLayerNetwork net = loaded.network();
            assertTrue(CharLstm.takesIds(net), name);
            assertEquals(CharLstm.implementationOf(old), CharLstm.implementationOf(net), name);
            assertEquals(loaded.meta().train().model().lstm(), CharLstm.implementationOf(net), name);
            assertArrayEquals(bits(old.params()), bits(net.params()), name);
            assertArrayEquals(bits(old.getUpdater().getStateViewArray()),
                    bits(net.getUpdater().getStateViewArray()), name);
            assertEquals(old.getIterationCount(), net.getIterationCount(), name);

            int vocabulary = loaded.meta().vocabulary().size();
            assertEquals(vocabulary, CharLstm.vocabularySize(net), name);
            DataSet batch = Minibatches.toDataSet(CharLstmGradientTest.randomWindows(2, 40, vocabulary));
            INDArray expected = old.output(OneHot.of(batch.getFeatures(), vocabulary));
            assertEquals(0, maxAbsDifference(expected, net.output(batch.getFeatures())), 1e-6, name);

            INDArray before = net.params().dup();
            net.fit(batch);
            assertTrue(maxAbsDifference(before, net.params()) > 0, name + " trains on");
        }
    }
}
