package io.charrnn.training;

import io.charrnn.model.CharLstm;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.Minibatches;
import io.charrnn.model.ModelConfig;
import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static io.charrnn.TrainingState.bits;
import static org.junit.jupiter.api.Assertions.*;

class ModelStateTest {
    private static final ModelConfig MODEL = new ModelConfig(2, 6, 5, 0, 1e-2, 5, 3, LstmImplementation.FUSED);

    @Test
    void aStateMovesParametersOptimizerStateAndStepCountBetweenNetworks() {
        MultiLayerNetwork trained = CharLstm.create(MODEL, 4);
        var windows = List.of(new EncodedWindow(false, new short[]{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2}));
        for (int i = 0; i < 3; i++) {
            trained.fit(Minibatches.toDataSet(windows));
        }
        ModelState state = ModelState.of(trained);
        assertArrayEquals(bits(trained.params()), bits(state.params()));
        assertArrayEquals(bits(trained.getUpdater().getStateViewArray()), bits(state.updater()));

        MultiLayerNetwork fresh = CharLstm.create(new ModelConfig(2, 6, 5, 0, 1e-2, 5, 99, LstmImplementation.FUSED), 4);
        assertNotEquals(bits(trained.params())[0], bits(fresh.params())[0]);
        state.applyTo(fresh);
        assertArrayEquals(bits(trained.params()), bits(fresh.params()));
        assertArrayEquals(bits(trained.getUpdater().getStateViewArray()),
                bits(fresh.getUpdater().getStateViewArray()));
        assertEquals(trained.getIterationCount(), fresh.getIterationCount());
        // The layers see the new values: their parameters are views of the flat vector written in place.
        assertArrayEquals(bits(trained.getLayer(0).params()), bits(fresh.getLayer(0).params()));
        assertArrayEquals(bits(trained.output(Minibatches.toDataSet(windows).getFeatures())),
                bits(fresh.output(Minibatches.toDataSet(windows).getFeatures())));
    }

    @Test
    void viewsAndOtherTypesAreCopiedByValue() {
        INDArray base = Nd4j.arange(12).castTo(DataType.FLOAT).reshape('c', 3, 4);
        assertArrayEquals(new float[]{4, 5, 6, 7}, ModelState.floats(base.getRow(1)));
        assertArrayEquals(new float[]{1, 5, 9}, ModelState.floats(base.getColumn(1)));
        assertArrayEquals(new float[]{0, 1, 2}, ModelState.floats(Nd4j.arange(3).castTo(DataType.DOUBLE)));
        assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, ModelState.floats(base));
    }
}
