package io.charrnn.model;

import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference check of the network's analytic gradients, in double precision as DL4J requires. */
class CharLstmGradientTest {
    @Test
    void analyticGradientsMatchFiniteDifferences() {
        DataType previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            checkShapes();
        } finally {
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    private void checkShapes() {
        int vocab = 5;
        // Shapes: one and two layers, batch of 1 and 3, one step and several.
        int[][] shapes = {{1, 4, 3, 6}, {2, 4, 3, 6}, {2, 5, 1, 4}, {1, 3, 2, 1}};
        for (LstmImplementation lstm : LstmImplementation.values()) {
            // Ids: the fused layer's gather and scatter-add and the id cross-entropy; one-hot: older checkpoints.
            for (CharLstm.Symbols symbols : CharLstm.Symbols.values()) {
                for (int[] shape : shapes) {
                    ModelConfig config = new ModelConfig(shape[0], shape[1], 6, 0, 1e-3, 0, 12345, lstm);
                    MultiLayerNetwork net = new MultiLayerNetwork(
                            CharLstm.configuration(config, vocab, DataType.DOUBLE, new NoOp(), false, symbols));
                    net.init();
                    DataSet ids = Minibatches.toDataSet(randomWindows(shape[2], shape[3], vocab));
                    DataSet batch = symbols == CharLstm.Symbols.IDS ? ids : OneHot.of(ids, vocab);
                    boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                            .input(batch.getFeatures().castTo(DataType.DOUBLE))
                            .labels(batch.getLabels().castTo(DataType.DOUBLE))
                            .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
                    assertTrue(ok, "gradient check failed for " + lstm + " " + symbols + " "
                            + java.util.Arrays.toString(shape));
                }
            }
        }
    }

    static List<EncodedWindow> randomWindows(int count, int length, int vocab) {
        Random random = new Random(1);
        List<EncodedWindow> windows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            short[] ids = new short[length + 1];
            for (int t = 0; t <= length; t++) {
                ids[t] = (short) random.nextInt(vocab);
            }
            windows.add(new EncodedWindow(false, ids));
        }
        return windows;
    }
}
