package io.charrnn.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static io.charrnn.TrainingState.bits;
import static io.charrnn.model.CharLstmGradientTest.randomWindows;
import static io.charrnn.model.FusedLstmTest.maxAbsDifference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Networks that take ids against networks that take one-hot rows, with the same weights. */
class IdInputTest {
    private static DataType previous;

    @BeforeAll
    static void floats() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    private static MultiLayerNetwork net(LstmImplementation lstm, int vocabulary, CharLstm.Symbols symbols) {
        ModelConfig config = new ModelConfig(2, 24, 10, 0, 5e-3, 5, 7, lstm);
        MultiLayerNetwork net = new MultiLayerNetwork(CharLstm.configuration(config, vocabulary, DataType.FLOAT,
                new Adam(5e-3), true, symbols));
        net.init();
        return net;
    }

    @Test
    void outputsScoresAndTrainingEqualTheOneHotNetwork() {
        // 300 symbols: W's rows are far apart in its column-major view, so a wrong stride shows.
        for (int vocabulary : new int[]{7, 300}) {
            for (LstmImplementation lstm : LstmImplementation.values()) {
                String what = lstm + ", " + vocabulary + " symbols";
                MultiLayerNetwork ids = net(lstm, vocabulary, CharLstm.Symbols.IDS);
                MultiLayerNetwork oneHot = net(lstm, vocabulary, CharLstm.Symbols.ONE_HOT);
                assertTrue(CharLstm.takesIds(ids));
                assertFalse(CharLstm.takesIds(oneHot));
                oneHot.setParams(ids.params());
                // 30 steps with truncated BPTT of 10: state carried across segments too.
                DataSet batch = Minibatches.toDataSet(randomWindows(5, 30, vocabulary));
                DataSet wide = OneHot.of(batch, vocabulary);
                assertEquals(0, maxAbsDifference(oneHot.output(wide.getFeatures()), ids.output(batch.getFeatures())),
                        1e-6, "output, " + what);
                ids.setInput(batch.getFeatures());
                ids.setLabels(batch.getLabels());
                ids.computeGradientAndScore();
                oneHot.setInput(wide.getFeatures());
                oneHot.setLabels(wide.getLabels());
                oneHot.computeGradientAndScore();
                assertEquals(oneHot.score(), ids.score(), 1e-5 * oneHot.score(), "score, " + what);
                assertTrue(((IdOutput.Impl) ids.getOutputLayer()).trainedFused(), "fused output pass, " + what);
                INDArray start = ids.params().dup();
                for (int i = 0; i < 3; i++) {
                    ids.fit(batch);
                    oneHot.fit(wide);
                }
                assertTrue(maxAbsDifference(start, ids.params()) > 1e-3, "training must move the parameters");
                assertEquals(0, maxAbsDifference(oneHot.params(), ids.params()), 1e-5, "parameters, " + what);
                assertEquals(0, maxAbsDifference(oneHot.getUpdater().getStateViewArray(),
                        ids.getUpdater().getStateViewArray()), 1e-5, "Adam state, " + what);
            }
        }
    }

    @Test
    void anIdOutsideTheVocabularyIsRefused() {
        for (LstmImplementation lstm : LstmImplementation.values()) {
            MultiLayerNetwork net = net(lstm, 7, CharLstm.Symbols.IDS);
            INDArray ids = Nd4j.create(new float[]{1, 7, 2}, new long[]{1, 1, 3}, 'c');
            assertThrows(IllegalArgumentException.class, () -> net.output(ids), lstm.toString());
        }
    }

    @Test
    void currentRebuildsAOneHotNetworkWithItsParametersAndState() {
        MultiLayerNetwork oneHot = net(LstmImplementation.FUSED, 9, CharLstm.Symbols.ONE_HOT);
        DataSet batch = Minibatches.toDataSet(randomWindows(3, 20, 9));
        oneHot.fit(OneHot.of(batch, 9));
        ModelConfig config = new ModelConfig(2, 24, 10, 0, 5e-3, 5, 7, LstmImplementation.FUSED);
        MultiLayerNetwork ids = CharLstm.current(oneHot, config);
        assertTrue(CharLstm.takesIds(ids));
        assertArrayEquals(bits(oneHot.params()), bits(ids.params()));
        assertArrayEquals(bits(oneHot.getUpdater().getStateViewArray()),
                bits(ids.getUpdater().getStateViewArray()));
        assertEquals(oneHot.getIterationCount(), ids.getIterationCount());
        assertEquals(9, CharLstm.vocabularySize(ids));
        assertTrue(ids == CharLstm.current(ids, config), "a network that is current stays itself");
    }
}
