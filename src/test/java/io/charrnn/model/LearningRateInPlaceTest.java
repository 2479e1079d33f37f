package io.charrnn.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;

import static io.charrnn.model.CharLstmGradientTest.randomWindows;
import static org.junit.jupiter.api.Assertions.*;

/** A learning rate set in place trains exactly as DL4J's own setter, which rebuilds the updater, does. */
class LearningRateInPlaceTest {
    @Test
    void aRateSetInPlaceTrainsTheBitsOfDl4jsRebuiltUpdater() {
        for (LstmImplementation lstm : LstmImplementation.values()) {
            ModelConfig config = new ModelConfig(2, 16, 10, 0, 5e-3, 5, 7, lstm);
            DataSet batch = Minibatches.toDataSet(randomWindows(4, 20, 9));
            MultiLayerNetwork rebuilt = CharLstm.create(config, 9);
            MultiLayerNetwork inPlace = CharLstm.create(config, 9);
            MultiLayerNetwork unchanged = CharLstm.create(config, 9);
            for (MultiLayerNetwork net : new MultiLayerNetwork[]{rebuilt, inPlace, unchanged}) {
                net.fit(batch); // Adam's moments are no longer zero when the rate changes
            }
            rebuilt.setLearningRate(1e-3);
            CharLstm.setLearningRate(inPlace, 1e-3);
            assertEquals(1e-3, inPlace.getLearningRate(0), 0.0);
            for (MultiLayerNetwork net : new MultiLayerNetwork[]{rebuilt, inPlace, unchanged}) {
                net.fit(batch);
                net.fit(batch);
            }
            assertArrayEquals(bits(rebuilt.params().toFloatVector()), bits(inPlace.params().toFloatVector()),
                    lstm + ": parameters");
            assertArrayEquals(bits(rebuilt.getUpdater().getStateViewArray().toFloatVector()),
                    bits(inPlace.getUpdater().getStateViewArray().toFloatVector()), lstm + ": Adam's state");
            assertFalse(Arrays.equals(bits(unchanged.params().toFloatVector()), bits(inPlace.params().toFloatVector())),
                    lstm + ": the new rate must change the steps, or this checks nothing");
            // A checkpoint writes the network's configuration: the rate set in place is the one it records.
            assertEquals(rebuilt.getLayerWiseConfigurations().toJson(), inPlace.getLayerWiseConfigurations().toJson());
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
