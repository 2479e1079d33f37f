package io.charrnn.model;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.AbstractLSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays the parameters of a {@link FusedLstm} out exactly like DL4J's {@code LSTMParamInitializer} (which only accepts
 * its own layer class): input weights W [nIn, 4H], recurrent weights RW [H, 4H] and bias b [1, 4H], each a view of
 * the network's flat parameter (and gradient) vector, gate blocks in the order block input, forget, output, input.
 * The same layout lets a network switch between the stock and the fused layer by copying its parameter vector.
 * With an adaptive input ({@link FusedLstm#inputLayout()}) W holds the head symbols' rows only, followed by each
 * cluster's embeddings E{c} [size_c, d_c] and up-projection U{c} [d_c, 4H].
 */
final class FusedLstmParams implements ParamInitializer {
    static final FusedLstmParams INSTANCE = new FusedLstmParams();
    static final String INPUT_WEIGHTS = "W";
    static final String RECURRENT_WEIGHTS = "RW";
    static final String BIAS = "b";
    private static final List<String> KEYS = List.of(INPUT_WEIGHTS, RECURRENT_WEIGHTS, BIAS);

    /** With an adaptive input: cluster c's embeddings [size_c, d_c]. */
    static String embeddings(int cluster) {
        return "E" + cluster;
    }

    /** With an adaptive input: cluster c's map of its embeddings up to the gates [d_c, 4H]. */
    static String upProjection(int cluster) {
        return "U" + cluster;
    }

    private FusedLstmParams() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        AbstractLSTM lstm = (AbstractLSTM) layer;
        long hidden = lstm.getNOut();
        AdaptiveSoftmax layout = layout(lstm);
        if (layout == null) {
            return (lstm.getNIn() + hidden + 1) * 4 * hidden;
        }
        long n = (layout.clusterStart(1) + hidden + 1) * 4 * hidden;
        for (int c = 1; c <= layout.clusters(); c++) {
            long d = layout.projection(c, (int) hidden);
            n += layout.clusterSize(c) * d + d * 4 * hidden;
        }
        return n;
    }

    private static AdaptiveSoftmax layout(Layer layer) {
        return layer instanceof FusedLstm f ? f.inputLayout() : null;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        AdaptiveSoftmax layout = layout(layer);
        if (layout == null) {
            return KEYS;
        }
        List<String> keys = new java.util.ArrayList<>(KEYS);
        for (int c = 1; c <= layout.clusters(); c++) {
            keys.add(embeddings(c));
            keys.add(upProjection(c));
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> !BIAS.equals(k)).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.singletonList(BIAS);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return !BIAS.equals(key) && paramKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        AbstractLSTM lstm = (AbstractLSTM) conf.getLayer();
        for (String key : paramKeys(lstm)) {
            conf.addVariable(key);
        }
        Map<String, INDArray> views = split(lstm, paramsView);
        if (initializeParams) {
            long hidden = lstm.getNOut();
            long fanIn = hidden;
            long fanOut = lstm.getNIn() + hidden;
            IWeightInit recurrentInit = lstm.getWeightInitFnRecurrent() != null
                    ? lstm.getWeightInitFnRecurrent() : lstm.getWeightInitFn();
            lstm.getWeightInitFn().init(fanIn, fanOut, views.get(INPUT_WEIGHTS).shape(),
                    IWeightInit.DEFAULT_WEIGHT_INIT_ORDER, views.get(INPUT_WEIGHTS));
            recurrentInit.init(fanIn, fanOut, views.get(RECURRENT_WEIGHTS).shape(),
                    IWeightInit.DEFAULT_WEIGHT_INIT_ORDER, views.get(RECURRENT_WEIGHTS));
            INDArray bias = views.get(BIAS);
            bias.assign(0);
            // A forget-gate bias near 1 keeps early gradients from vanishing through the cell (as the stock layer).
            bias.get(NDArrayIndex.point(0), NDArrayIndex.interval(hidden, 2 * hidden))
                    .assign(lstm.getForgetGateBiasInit());
            AdaptiveSoftmax layout = layout(lstm);
            for (int c = 1; layout != null && c <= layout.clusters(); c++) {
                // Embeddings of variance 1/d, up-projections drawn as W is: their products are rows of W's scale.
                INDArray e = views.get(embeddings(c));
                e.assign(Nd4j.randn(e.dataType(), e.shape()).muli(1 / Math.sqrt(e.size(1))));
                INDArray u = views.get(upProjection(c));
                lstm.getWeightInitFn().init(fanIn, fanOut, u.shape(), IWeightInit.DEFAULT_WEIGHT_INIT_ORDER, u);
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split((AbstractLSTM) conf.getLayer(), gradientView);
    }

    private Map<String, INDArray> split(AbstractLSTM lstm, INDArray flat) {
        long hidden = lstm.getNOut();
        AdaptiveSoftmax layout = layout(lstm);
        // With an adaptive input, W holds the head's rows only.
        long nIn = layout == null ? lstm.getNIn() : layout.clusterStart(1);
        long inputLength = nIn * 4 * hidden;
        long recurrentLength = hidden * 4 * hidden;
        if (flat.length() != numParams(lstm)) {
            throw new IllegalStateException("expected " + numParams(lstm) + " parameters, got " + flat.length());
        }
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        out.put(INPUT_WEIGHTS, flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(0, inputLength))
                .reshape('f', nIn, 4 * hidden));
        out.put(RECURRENT_WEIGHTS, flat.get(NDArrayIndex.interval(0, 0, true),
                NDArrayIndex.interval(inputLength, inputLength + recurrentLength)).reshape('f', hidden, 4 * hidden));
        out.put(BIAS, flat.get(NDArrayIndex.interval(0, 0, true),
                NDArrayIndex.interval(inputLength + recurrentLength, inputLength + recurrentLength + 4 * hidden)));
        long at = inputLength + recurrentLength + 4 * hidden;
        for (int c = 1; layout != null && c <= layout.clusters(); c++) {
            long size = layout.clusterSize(c);
            long d = layout.projection(c, (int) hidden);
            out.put(embeddings(c), flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(at, at + size * d))
                    .reshape('f', size, d));
            at += size * d;
            out.put(upProjection(c), flat.get(NDArrayIndex.interval(0, 0, true),
                    NDArrayIndex.interval(at, at + d * 4 * hidden)).reshape('f', d, 4 * hidden));
            at += d * 4 * hidden;
        }
        return out;
    }
}
