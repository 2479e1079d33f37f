package io.charrnn.model;

import io.charrnn.common.Json;
import io.charrnn.corpus.EncodedWindow;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The adaptive softmax output: its gradients, its distribution, its blocks, its scoring and its persistence. */
class AdaptiveOutputTest {
    private static final int VOCAB = 24;

    /** A head of 6 and clusters of 8 and 10, with ranks that are not the ids' order. */
    private static AdaptiveSoftmax plan() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < VOCAB; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, new Random(3));
        return new AdaptiveSoftmax(new int[]{6, 14}, ids.stream().mapToInt(Integer::intValue).toArray(), 4);
    }

    private static ModelConfig config(int layers, int hidden, LstmImplementation lstm) {
        return new ModelConfig(layers, hidden, 6, 0, 1e-2, 0, 12345, lstm).withAdaptiveChoice(AdaptiveSoftmax.Choice.ON)
                .withAdaptive(plan());
    }

    @Test
    void analyticGradientsMatchFiniteDifferences() {
        DataType previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            // Hidden 8: projections of 2 and 1. Every cluster is some row's target, and input, in windows of 24
            // random ids. The second layer's input weights are left out (CharLstmGradientTest checks them).
            int[][] shapes = {{1, 8, 3, 6}, {2, 8, 2, 3}, {1, 8, 1, 1}};
            for (LstmImplementation lstm : List.of(LstmImplementation.FUSED)) {
                for (int[] shape : shapes) {
                    MultiLayerNetwork net = new MultiLayerNetwork(CharLstm.configuration(
                            config(shape[0], shape[1], lstm), VOCAB, DataType.DOUBLE, new NoOp(), false,
                            CharLstm.Symbols.IDS));
                    net.init();
                    DataSet batch = Minibatches.toDataSet(CharLstmGradientTest.randomWindows(shape[2], shape[3],
                            VOCAB));
                    boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                            .input(batch.getFeatures().castTo(DataType.DOUBLE))
                            .labels(batch.getLabels().castTo(DataType.DOUBLE))
                            .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                            .excludeParams(java.util.Set.of("1_W")));
                    assertTrue(ok, "gradient check failed for " + lstm + " " + Arrays.toString(shape));
                }
            }
        } finally {
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    @Test
    void theOutputIsADistributionWhoseTargetsScoreAsTheMeterScoresThem() {
        MultiLayerNetwork net = CharLstm.create(config(2, 16, LstmImplementation.FUSED), VOCAB);
        assertTrue(CharLstm.takesIds(net));
        List<EncodedWindow> windows = CharLstmGradientTest.randomWindows(5, 12, VOCAB);
        // A few steps of training, so that the distribution is not the uniform one of a fresh network.
        DataSet batch = Minibatches.toDataSet(windows);
        for (int i = 0; i < 20; i++) {
            net.fit(batch);
        }
        net.rnnClearPreviousState();
        INDArray p = net.output(batch.getFeatures());
        assertArrayEquals(new long[]{5, VOCAB, 12}, p.shape());
        INDArray sums = p.sum(1);
        assertEquals(0, Math.abs(sums.sub(1.0).maxNumber().doubleValue()), 1e-5);
        assertEquals(0, Math.abs(sums.sub(1.0).minNumber().doubleValue()), 1e-5);
        double nats = 0;
        for (int b = 0; b < 5; b++) {
            for (int t = 0; t < 12; t++) {
                nats -= Math.log(p.getDouble(b, windows.get(b).id(t + 1), t));
            }
        }
        LossMeter meter = new LossMeter();
        meter.add(net, windows, VOCAB);
        assertTrue(meter.scoredThroughKernel());
        assertEquals(60, meter.count());
        assertEquals(nats / 60, meter.natsPerChar(), 1e-5);
        // And DL4J's score of the same batch (the mean over windows of their summed losses).
        assertEquals(nats / 5, net.score(batch), 1e-3);
    }

    @Test
    void severalBlocksGiveTheLossAndGradientsOfOne() {
        MultiLayerNetwork net = new MultiLayerNetwork(CharLstm.configuration(config(1, 8, LstmImplementation.FUSED),
                VOCAB, DataType.DOUBLE, new NoOp(), true, CharLstm.Symbols.IDS));
        net.init();
        Map<String, INDArray> params = net.getOutputLayer().paramTable();
        Random random = new Random(9);
        int rows = 100;
        int[] targets = new int[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = random.nextInt(VOCAB);
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, rows, 8).subi(0.5);
        Map<String, INDArray> one = gradients(params);
        INDArray dxOne = Nd4j.create(DataType.DOUBLE, rows, 8);
        double[] lossesOne = new double[rows];
        double lossOne = new AdaptiveCrossEntropy(plan()).pass(x, targets, params, one, dxOne, lossesOne, 0, 1e9);
        // MIN_ROWS rows a block: four blocks, the last partial.
        Map<String, INDArray> blocks = gradients(params);
        INDArray dxBlocks = Nd4j.create(DataType.DOUBLE, rows, 8);
        double[] lossesBlocks = new double[rows];
        double lossBlocks = new AdaptiveCrossEntropy(plan(), 1).pass(x, targets, params, blocks, dxBlocks,
                lossesBlocks, 0, 1e9);
        assertEquals(lossOne, lossBlocks, 1e-9);
        assertArrayEquals(lossesOne, lossesBlocks, 1e-12);
        assertEquals(0, dxOne.sub(dxBlocks).norm2Number().doubleValue(), 1e-12);
        for (String key : one.keySet()) {
            assertEquals(0, one.get(key).sub(blocks.get(key)).norm2Number().doubleValue(), 1e-12, key);
            assertTrue(one.get(key).norm2Number().doubleValue() > 0, key + " has a gradient");
        }
        // Each row's loss is -log of the probability the full distribution gives its target.
        INDArray p = new AdaptiveCrossEntropy(plan()).probabilities(x, params);
        for (int i = 0; i < rows; i++) {
            assertEquals(-Math.log(p.getDouble(i, targets[i])), lossesOne[i], 1e-9);
        }
    }

    /**
     * Floats take AdaptiveFloatPass (raw products, SoftmaxRows); doubles ND4J's ops: the same numbers to float
     * precision, with the parameters as a float network lays them out (column-major views of one vector) and as
     * row-major copies.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theFloatPassComputesWhatTheDoublePassComputes(boolean networkViews) {
        MultiLayerNetwork net = new MultiLayerNetwork(CharLstm.configuration(config(1, 8, LstmImplementation.FUSED),
                VOCAB, DataType.DOUBLE, new NoOp(), true, CharLstm.Symbols.IDS));
        net.init();
        Map<String, INDArray> doubles = net.getOutputLayer().paramTable();
        Map<String, INDArray> floats = new LinkedHashMap<>();
        if (networkViews) {
            MultiLayerNetwork floatNet = new MultiLayerNetwork(CharLstm.configuration(config(1, 8,
                    LstmImplementation.FUSED), VOCAB, DataType.FLOAT, new NoOp(), true, CharLstm.Symbols.IDS));
            floatNet.init(net.params().castTo(DataType.FLOAT), true);
            floats.putAll(floatNet.getOutputLayer().paramTable());
            assertEquals('f', floats.get(AdaptiveOutputParams.HEAD_WEIGHTS).ordering());
        } else {
            doubles.forEach((k, v) -> floats.put(k, v.castTo(DataType.FLOAT).dup('c')));
        }
        Random random = new Random(4);
        int rows = 100;
        int[] targets = new int[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = random.nextInt(VOCAB);
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, rows, 8).subi(0.5).muli(4);
        Map<String, INDArray> expected = gradients(doubles);
        INDArray dxExpected = Nd4j.create(DataType.DOUBLE, rows, 8);
        double[] lossesExpected = new double[rows];
        double loss = new AdaptiveCrossEntropy(plan()).pass(x, targets, doubles, expected, dxExpected, lossesExpected,
                0, 1e9);
        // One block and several (the scratch reused at other widths); training and scoring.
        for (long blockFloats : new long[]{AdaptiveCrossEntropy.BLOCK_FLOATS, 1}) {
            AdaptiveCrossEntropy pass = new AdaptiveCrossEntropy(plan(), blockFloats);
            Map<String, INDArray> actual = gradients(floats);
            INDArray dx = Nd4j.create(DataType.FLOAT, rows, 8);
            double[] losses = new double[rows];
            assertNotNull(pass.floatPass(x.castTo(DataType.FLOAT), floats, dx), "the float pass takes these");
            assertEquals(loss, pass.pass(x.castTo(DataType.FLOAT), targets, floats, actual, dx, losses, 0, 1e9),
                    1e-5 * loss);
            assertArrayEquals(lossesExpected, losses, 1e-5);
            assertEquals(0, dxExpected.sub(dx.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-5);
            for (String key : expected.keySet()) {
                assertEquals(0, expected.get(key).sub(actual.get(key).castTo(DataType.DOUBLE)).amaxNumber()
                        .doubleValue(), 1e-5, key);
            }
            double[] scored = new double[rows];
            pass.pass(x.castTo(DataType.FLOAT), targets, floats, null, null, scored, 0, 1e9);
            assertArrayEquals(lossesExpected, scored, 1e-5);
        }
    }

    private static Map<String, INDArray> gradients(Map<String, INDArray> params) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, Nd4j.create(v.dataType(), v.shape(), 'f').assign(Double.NaN)));
        return out;
    }

    @Test
    void aNetworkLearnsAndComesBackFromItsFileAndItsConfigFromJson() throws Exception {
        MultiLayerNetwork net = CharLstm.create(config(2, 16, LstmImplementation.FUSED), VOCAB);
        // A text where each symbol follows from the one before: learnable to a loss near zero.
        short[] ids = new short[61];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (short) (i * 7 % VOCAB);
        }
        DataSet batch = Minibatches.toDataSet(List.of(new EncodedWindow(false, ids)));
        net.fit(batch);
        double first = net.score();
        for (int i = 0; i < 150; i++) {
            net.fit(batch);
        }
        assertTrue(net.score() < first / 4, "loss " + first + " -> " + net.score());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        assertEquals(plan(), ((AdaptiveOutput) back.getOutputLayer().conf().getLayer()).plan());
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        net.rnnClearPreviousState();
        back.rnnClearPreviousState();
        assertEquals(net.output(batch.getFeatures()), back.output(batch.getFeatures()));

        ModelConfig config = config(2, 16, LstmImplementation.FUSED);
        assertEquals(config, Json.mapper().readValue(Json.write(config), ModelConfig.class));
        // Configurations of checkpoints from before the adaptive softmax read as the full one.
        String old = Json.write(new ModelConfig(2, 16, 6, 0, 1e-2, 0, 12345, LstmImplementation.FUSED))
                .replaceAll(",\"softmax\":\"[A-Z]+\",\"adaptive\":null", "");
        assertFalse(old.contains("softmax"), old);
        ModelConfig read = Json.mapper().readValue(old, ModelConfig.class);
        assertEquals(AdaptiveSoftmax.Choice.OFF, read.adaptiveChoice());
        assertNull(read.adaptive());
    }

    @Test
    void onlyTheFusedLstmTakesAdaptiveLayers() {
        MultiLayerNetwork fused = CharLstm.create(config(2, 16, LstmImplementation.FUSED), VOCAB);
        assertThrows(IllegalArgumentException.class,
                () -> CharLstm.current(fused, config(2, 16, LstmImplementation.STOCK)));
    }

    /**
     * The adaptive input is a layer whose rows are made from its parameters: the same network with those rows as
     * the plain input weights of each id gives the same output, and its gradient of them, mapped through the
     * product, is the adaptive layer's gradient.
     */
    @Test
    void theAdaptiveInputIsTheFullInputWithItsRowsMade() {
        DataType previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            MultiLayerNetwork adaptive = new MultiLayerNetwork(CharLstm.configuration(config(1, 8,
                    LstmImplementation.FUSED), VOCAB, DataType.DOUBLE, new NoOp(), false, CharLstm.Symbols.IDS));
            adaptive.init();
            var fullConf = adaptive.getLayerWiseConfigurations().clone();
            FusedLstm first = (FusedLstm) fullConf.getConf(0).getLayer();
            first.setInputCutoffs(null);
            first.setInputSymbolsByFrequency(null);
            MultiLayerNetwork full = new MultiLayerNetwork(fullConf);
            full.init();
            Map<String, INDArray> a = adaptive.getLayer(0).paramTable();
            Map<String, INDArray> f = full.getLayer(0).paramTable();
            AdaptiveSoftmax layout = plan();
            int[] ranks = layout.ranks();
            // The rows by rank, made here as the layout defines them: W's, then E{c} U{c} of each cluster.
            INDArray rows = Nd4j.vstack(a.get("W"), a.get("E1").mmul(a.get("U1")), a.get("E2").mmul(a.get("U2")));
            for (int id = 0; id < VOCAB; id++) {
                f.get("W").getRow(id).assign(rows.getRow(ranks[id]));
            }
            f.get("RW").assign(a.get("RW"));
            f.get("b").assign(a.get("b"));
            full.getLayer(1).setParams(adaptive.getLayer(1).params());

            DataSet batch = Minibatches.toDataSet(CharLstmGradientTest.randomWindows(3, 6, VOCAB));
            assertEquals(0, adaptive.output(batch.getFeatures()).sub(full.output(batch.getFeatures()))
                    .norm2Number().doubleValue(), 1e-12);
            adaptive.setInput(batch.getFeatures());
            adaptive.setLabels(batch.getLabels());
            adaptive.computeGradientAndScore();
            full.setInput(batch.getFeatures());
            full.setLabels(batch.getLabels());
            full.computeGradientAndScore();
            assertEquals(adaptive.score(), full.score(), 1e-12);
            Map<String, INDArray> ga = adaptive.gradient().gradientForVariable();
            INDArray gFull = full.gradient().gradientForVariable().get("0_W");
            INDArray byRank = Nd4j.create(DataType.DOUBLE, VOCAB, 32);
            for (int id = 0; id < VOCAB; id++) {
                byRank.getRow(ranks[id]).assign(gFull.getRow(id));
            }
            assertEquals(0, ga.get("0_W").sub(byRank.get(NDArrayIndex.interval(0, 6), NDArrayIndex.all()))
                    .norm2Number().doubleValue(), 1e-12);
            for (int c = 1; c <= 2; c++) {
                INDArray g = byRank.get(NDArrayIndex.interval(layout.clusterStart(c),
                        layout.clusterStart(c) + layout.clusterSize(c)), NDArrayIndex.all());
                assertEquals(0, ga.get("0_E" + c).sub(g.mmul(a.get("U" + c).transpose())).norm2Number()
                        .doubleValue(), 1e-12, "E" + c);
                assertEquals(0, ga.get("0_U" + c).sub(a.get("E" + c).transpose().mmul(g)).norm2Number()
                        .doubleValue(), 1e-12, "U" + c);
            }
            assertEquals(0, ga.get("0_RW").sub(full.gradient().gradientForVariable().get("0_RW")).norm2Number()
                    .doubleValue(), 1e-12);
        } finally {
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    @Test
    void theLayoutRanksByCountAndSplitsAsDocumented() {
        long[] counts = new long[6000];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (i * 37L) % 1000;
        }
        AdaptiveSoftmax plan = AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.AUTO, counts);
        assertArrayEquals(new int[]{256, 2048}, plan.cutoffs());
        int[] order = plan.symbolsByFrequency();
        for (int r = 1; r < order.length; r++) {
            long before = counts[order[r - 1]];
            long now = counts[order[r]];
            assertTrue(before > now || (before == now && order[r - 1] < order[r]), "rank " + r);
        }
        assertEquals(258, plan.headWidth());
        assertEquals(1792, plan.clusterSize(1));
        assertEquals(3952, plan.clusterSize(2));
        assertEquals(32, plan.projection(1, 128));
        assertEquals(8, plan.projection(2, 128));
        assertEquals(0, plan.clusterOf(255));
        assertEquals(1, plan.clusterOf(256));
        assertEquals(2, plan.clusterOf(5999));
        assertNull(AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.AUTO, new long[AdaptiveSoftmax.AUTO_ABOVE]));
        assertNull(AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.OFF, counts));
        assertArrayEquals(new int[]{256},
                AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.ON, new long[300]).cutoffs());
        assertNull(AdaptiveSoftmax.plan(AdaptiveSoftmax.Choice.ON, new long[AdaptiveSoftmax.HEAD]));
        // Not a permutation; a head as wide as the vocabulary.
        int[] head = {4};
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveSoftmax(head, new int[]{0, 1, 1, 2, 3}, 4));
        int[] all = {5};
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveSoftmax(all, new int[]{0, 1, 2, 3, 4}, 4));
    }
}
