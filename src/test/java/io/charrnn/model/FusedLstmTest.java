package io.charrnn.model;

import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static io.charrnn.model.CharLstmGradientTest.randomWindows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused layer against DL4J's stock LSTM and against finite differences. */
class FusedLstmTest {
    private static final int VOCAB = 7;
    private static DataType previous;

    @BeforeAll
    static void rememberDefaultType() {
        previous = Nd4j.dataType();
    }

    @AfterAll
    static void restoreDefaultType() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    private static MultiLayerNetwork net(LstmImplementation lstm, int layers, int hidden, int seqLength,
                                         DataType type, IUpdater updater, boolean truncated, double gradClip) {
        ModelConfig config = new ModelConfig(layers, hidden, seqLength, 0, 0.1, gradClip, 42, lstm);
        MultiLayerNetwork net = new MultiLayerNetwork(CharLstm.configuration(config, VOCAB, type, updater, truncated,
                CharLstm.Symbols.IDS));
        net.init();
        return net;
    }

    @Test
    void forwardOutputEqualsTheStockLayerWithTheSameWeights() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        MultiLayerNetwork stock = net(LstmImplementation.STOCK, 2, 16, 50, DataType.FLOAT, new NoOp(), false, 0);
        MultiLayerNetwork fused = net(LstmImplementation.FUSED, 2, 16, 50, DataType.FLOAT, new NoOp(), false, 0);
        assertInstanceOf(FusedLstm.class, fused.getLayerWiseConfigurations().getConf(0).getLayer());
        fused.setParams(stock.params());
        // 150 steps: longer than one inference chunk of the fused layer, so chunk boundaries are crossed too.
        for (int[] shape : new int[][]{{4, 30}, {3, 150}, {1, 1}}) {
            INDArray features = Minibatches.toDataSet(randomWindows(shape[0], shape[1], VOCAB))
                    .getFeatures();
            INDArray expected = stock.output(features);
            INDArray actual = fused.output(features);
            assertEquals(0, maxAbsDifference(expected, actual), 1e-5, "output for " + shape[0] + " x " + shape[1]);
        }
    }

    @Test
    void stepByStepSamplingStateEqualsTheWholeSequence() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        MultiLayerNetwork fused = net(LstmImplementation.FUSED, 2, 12, 50, DataType.FLOAT, new NoOp(), false, 0);
        INDArray features = Minibatches.toDataSet(randomWindows(2, 20, VOCAB)).getFeatures();
        INDArray whole = fused.output(features);
        fused.rnnClearPreviousState();
        INDArray firstHalf = fused.rnnTimeStep(features.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 10)));
        assertEquals(0, maxAbsDifference(whole.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 10)), firstHalf), 1e-6);
        for (int t = 10; t < 20; t++) {
            INDArray step = fused.rnnTimeStep(features.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.point(t)));
            INDArray expected = whole.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t));
            assertEquals(0, maxAbsDifference(expected, step), 1e-6, "step " + t);
        }
    }

    @Test
    void trainingStepsMatchTheStockLayer() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        // One truncated-BPTT segment per window, so every segment starts from a zero state: see the next test for
        // why segments that carry state are not compared with the stock layer.
        MultiLayerNetwork stock = net(LstmImplementation.STOCK, 2, 8, 12, DataType.DOUBLE, new Sgd(0.5), true, 5);
        MultiLayerNetwork fused = net(LstmImplementation.FUSED, 2, 8, 12, DataType.DOUBLE, new Sgd(0.5), true, 5);
        fused.setParams(stock.params());
        INDArray start = stock.params().dup();
        DataSet batch = Minibatches.toDataSet(randomWindows(3, 12, VOCAB));
        DataSet data = new DataSet(batch.getFeatures().castTo(DataType.DOUBLE), batch.getLabels().castTo(DataType.DOUBLE));
        for (int i = 0; i < 3; i++) {
            stock.fit(data);
            fused.fit(data);
        }
        assertTrue(maxAbsDifference(start, stock.params()) > 1e-2, "training must move the parameters");
        assertEquals(0, maxAbsDifference(stock.params(), fused.params()), 1e-9);
    }

    /**
     * A truncated-BPTT segment that starts from a carried state, checked parameter by parameter against central
     * differences of the loss.
     */
    @Test
    void gradientsWithCarriedStateMatchFiniteDifferences() {
        for (int hidden : new int[]{4, 3}) {
            for (int layers : new int[]{1, 2}) {
                String worst = worstGradientWithCarriedState(LstmImplementation.FUSED, layers, hidden);
                assertTrue(relativeError(worst) < 1e-5, layers + " x " + hidden + ": worst relative error " + worst);
            }
        }
    }

    /**
     * DL4J's stock layer, put through the same check with the carried state in both of its state maps (as its
     * truncated-BPTT loop leaves them), does not pass it: so stock and fused training part ways once segments carry
     * state, and the fused layer is the one that agrees with the loss (README, "The fused LSTM layer").
     */
    @Test
    void theStockLayerFailsTheCheckWithCarriedState() {
        String worst = worstGradientWithCarriedState(LstmImplementation.STOCK, 1, 4);
        assertTrue(relativeError(worst) > 1e-2, "the stock layer's worst relative error is only " + worst);
    }

    private static double relativeError(String worst) {
        return Double.parseDouble(worst.substring(0, worst.indexOf(' ')));
    }

    /** The worst relative error of a gradient against central differences, and where it is ("ERROR at ..."). */
    private static String worstGradientWithCarriedState(LstmImplementation lstm, int layers, int hidden) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        int examples = 3;
        MultiLayerNetwork net = net(lstm, layers, hidden, 6, DataType.DOUBLE, new NoOp(), true, 0);
        DataSet batch = Minibatches.toDataSet(randomWindows(examples, 6, VOCAB));
        INDArray features = batch.getFeatures().castTo(DataType.DOUBLE);
        INDArray labels = batch.getLabels().castTo(DataType.DOUBLE);
        Map<Integer, Map<String, INDArray>> state = randomState(net, examples, hidden);

        double withoutState = score(net, features, labels, Map.of());
        double withState = score(net, features, labels, state);
        assertNotEquals(withoutState, withState, 1e-6,
                "the carried state must change the loss, or this test checks nothing");
        // The score is the mean loss per example; DL4J divides gradients by the batch size later, in the updater, so
        // the raw gradient is the derivative of the summed loss.
        INDArray analytic = net.gradient().gradient().div(examples);
        INDArray params = net.params();
        double eps = 1e-6;
        double worst = 0;
        String worstAt = "";
        for (long k = 0; k < params.length(); k++) {
            double v = params.getDouble(k);
            params.putScalar(k, v + eps);
            double plus = score(net, features, labels, state);
            params.putScalar(k, v - eps);
            double minus = score(net, features, labels, state);
            params.putScalar(k, v);
            double numeric = (plus - minus) / (2 * eps);
            double a = analytic.getDouble(k);
            double absError = Math.abs(a - numeric);
            if (absError > 1e-8) {
                double rel = absError / (Math.abs(a) + Math.abs(numeric));
                if (rel > worst) {
                    worstAt = "parameter " + k + " of " + params.length() + ": analytic " + a + ", numeric " + numeric;
                }
                worst = Math.max(worst, rel);
            }
        }
        return worst + " at " + worstAt;
    }

    @Test
    void vectorKernelComputesWhatTheScalarKernelComputes() {
        // 37 units: two full vectors of 16 (or four of 8) and a scalar tail; the recurrent products are OpenBLAS's.
        vectorKernelComputesWhatTheScalarKernelComputes(37, 3, false);
        // 64 units in a minibatch of 5: the vector kernel's own recurrent products, a block of four rows and one.
        vectorKernelComputesWhatTheScalarKernelComputes(64, 5, true);
        // 7 rows: a block of four and three taken as four, the last one twice.
        vectorKernelComputesWhatTheScalarKernelComputes(64, 7, true);
        // Above the rows that take them: OpenBLAS's again (64 units' weights fit the cache, 160 units' do not).
        vectorKernelComputesWhatTheScalarKernelComputes(64, VectorLstmKernel.CACHED_ROWS + 1, false);
        vectorKernelComputesWhatTheScalarKernelComputes(160, VectorLstmKernel.FEW_ROWS + 1, false);
        vectorKernelComputesWhatTheScalarKernelComputes(160, VectorLstmKernel.FEW_ROWS, true);
    }

    private void vectorKernelComputesWhatTheScalarKernelComputes(int hidden, int batch, boolean ownProducts) {
        assertTrue(LstmKernel.VECTOR_AVAILABLE, "tests run with --add-modules=jdk.incubator.vector (pom.xml)");
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getRandom().setSeed(5);
        int nIn = 9, time = 7;
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, nIn, time);
        INDArray w = Nd4j.randn(DataType.FLOAT, nIn, 4 * hidden).muli(0.3);
        INDArray r = Nd4j.randn(DataType.FLOAT, hidden, 4 * hidden).muli(0.3);
        INDArray b = Nd4j.randn(DataType.FLOAT, 1, 4 * hidden).muli(0.3);
        INDArray h0 = Nd4j.randn(DataType.FLOAT, batch, hidden).muli(0.5);
        INDArray c0 = Nd4j.randn(DataType.FLOAT, batch, hidden);
        INDArray eps = Nd4j.randn(DataType.FLOAT, batch, hidden, time);
        INDArray[][] results = new INDArray[2][];
        for (int v = 0; v < 2; v++) {
            LstmKernel kernel = LstmKernel.create(nIn, hidden, DataType.FLOAT, v == 1, false);
            assertEquals(v == 1 ? VectorLstmKernel.class : ScalarLstmKernel.class, kernel.getClass());
            INDArray out = Nd4j.create(DataType.FLOAT, batch, hidden, time);
            kernel.forward(x, w, null, r, b, h0, c0, true, out);
            assertEquals(v == 1 && ownProducts, kernel.recurrentProductsTaken(), hidden + " x " + batch);
            Map<String, INDArray> state = new HashMap<>();
            kernel.lastState(state, "h", "c");
            INDArray gW = Nd4j.create(DataType.FLOAT, nIn, 4 * hidden);
            INDArray gR = Nd4j.create(DataType.FLOAT, hidden, 4 * hidden);
            INDArray gB = Nd4j.create(DataType.FLOAT, 1, 4 * hidden);
            INDArray dx = Nd4j.create(DataType.FLOAT, batch, nIn, time);
            kernel.backward(eps, w, null, r, 5, gW, gR, gB, dx);
            results[v] = new INDArray[]{out, state.get("h"), state.get("c"), gW, gR, gB, dx};
        }
        String[] names = {"output", "last output", "last cell", "dW", "dR", "db", "dx"};
        for (int i = 0; i < names.length; i++) {
            double scale = Math.max(1, results[0][i].amaxNumber().doubleValue());
            assertEquals(0, maxAbsDifference(results[0][i], results[1][i]) / scale, 2e-6, names[i] + " at " + hidden
                    + " units x " + batch);
        }
    }

    /** Loss and gradient of one truncated-BPTT segment that starts from the given per-layer state. */
    private static double score(MultiLayerNetwork net, INDArray features, INDArray labels,
                                Map<Integer, Map<String, INDArray>> state) {
        for (int i = 0; i < net.getnLayers() - 1; i++) {
            Map<String, INDArray> copy = new HashMap<>();
            state.getOrDefault(i, Map.of()).forEach((k, v) -> copy.put(k, v.dup()));
            RecurrentLayer layer = (RecurrentLayer) net.getLayer(i);
            layer.rnnSetTBPTTState(copy);
            // And as the previous step's state, which the stock layer reads too.
            Map<String, INDArray> previous = new HashMap<>();
            copy.forEach((k, v) -> previous.put(k, v.dup()));
            layer.rnnSetPreviousState(previous);
        }
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
        return net.score();
    }

    private static Map<Integer, Map<String, INDArray>> randomState(MultiLayerNetwork net, int batch, int hidden) {
        Random random = new Random(3);
        Map<Integer, Map<String, INDArray>> state = new HashMap<>();
        for (int i = 0; i < net.getnLayers() - 1; i++) {
            Map<String, INDArray> layer = new HashMap<>();
            for (String key : new String[]{FusedLstmLayer.STATE_OUTPUT, FusedLstmLayer.STATE_CELL}) {
                double[] values = new double[batch * hidden];
                for (int j = 0; j < values.length; j++) {
                    values[j] = random.nextGaussian() * 0.5;
                }
                layer.put(key, Nd4j.create(values, new long[]{batch, hidden}, DataType.DOUBLE));
            }
            state.put(i, layer);
        }
        return state;
    }

    static double maxAbsDifference(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
