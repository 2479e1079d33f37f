package io.charrnn.model;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of an {@link AdaptiveOutput}, views of the network's flat vector in this order: head weights W
 * [hidden, headWidth] and bias b [1, headWidth], then per cluster c its projection P{c} [hidden, d_c], weights W{c}
 * [d_c, size_c] and bias b{c} [1, size_c]. Weights start as the network's weight init draws them, biases at 0.
 */
final class AdaptiveOutputParams implements ParamInitializer {
    static final AdaptiveOutputParams INSTANCE = new AdaptiveOutputParams();
    static final String HEAD_WEIGHTS = "W";
    static final String HEAD_BIAS = "b";

    private AdaptiveOutputParams() {
    }

    static String projection(int cluster) {
        return "P" + cluster;
    }

    static String weights(int cluster) {
        return "W" + cluster;
    }

    static String bias(int cluster) {
        return "b" + cluster;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        AdaptiveOutput out = (AdaptiveOutput) layer;
        return out.plan().numParams((int) out.getNIn());
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(shapes((AdaptiveOutput) layer).keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> !k.startsWith("b")).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> k.startsWith("b")).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return !key.startsWith("b");
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return key.startsWith("b");
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        AdaptiveOutput layer = (AdaptiveOutput) conf.getLayer();
        Map<String, INDArray> views = split(layer, paramsView);
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        if (initializeParams) {
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                INDArray v = e.getValue();
                if (isBiasParam(layer, e.getKey())) {
                    v.assign(0);
                } else {
                    layer.getWeightInitFn().init(v.size(0), v.size(1), v.shape(), IWeightInit.DEFAULT_WEIGHT_INIT_ORDER,
                            v);
                }
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split((AdaptiveOutput) conf.getLayer(), gradientView);
    }

    /** Each parameter's shape, in the order of the flat vector. */
    private static Map<String, long[]> shapes(AdaptiveOutput layer) {
        AdaptiveSoftmax plan = layer.plan();
        int hidden = (int) layer.getNIn();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(HEAD_WEIGHTS, new long[]{hidden, plan.headWidth()});
        shapes.put(HEAD_BIAS, new long[]{1, plan.headWidth()});
        for (int c = 1; c <= plan.clusters(); c++) {
            int d = plan.projection(c, hidden);
            shapes.put(projection(c), new long[]{hidden, d});
            shapes.put(weights(c), new long[]{d, plan.clusterSize(c)});
            shapes.put(bias(c), new long[]{1, plan.clusterSize(c)});
        }
        return shapes;
    }

    private static Map<String, INDArray> split(AdaptiveOutput layer, INDArray flat) {
        long expected = layer.plan().numParams((int) layer.getNIn());
        if (flat.length() != expected) {
            throw new IllegalStateException("expected " + expected + " parameters, got " + flat.length());
        }
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        long at = 0;
        for (Map.Entry<String, long[]> e : shapes(layer).entrySet()) {
            long[] shape = e.getValue();
            long length = shape[0] * shape[1];
            INDArray v = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(at, at + length));
            out.put(e.getKey(), shape[0] == 1 ? v : v.reshape('f', shape[0], shape[1]));
            at += length;
        }
        return out;
    }
}
