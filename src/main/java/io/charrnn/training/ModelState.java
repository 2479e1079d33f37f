package io.charrnn.training;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * What a round hands to its workers and gets back from them, as plain arrays: the parameters, the optimizer's
 * state (Adam's two moments, in DL4J's layout) and the optimizer's step count, which Adam's bias correction reads.
 * Plain arrays travel through any Spark serializer and need no ND4J on the wire.
 */
public final class ModelState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] params;
    private final float[] updater;
    private final int iteration;

    public ModelState(float[] params, float[] updater, int iteration) {
        this.params = params;
        this.updater = updater;
        this.iteration = iteration;
    }

    public static ModelState of(MultiLayerNetwork net) {
        INDArray state = net.getUpdater().getStateViewArray();
        return new ModelState(floats(net.params()), state == null ? new float[0] : floats(state),
                net.getIterationCount());
    }

    /** Puts this state into a network of the same shape, replacing its parameters, optimizer state and step count. */
    public void applyTo(MultiLayerNetwork net) {
        INDArray p = net.params();
        if (p.length() != params.length) {
            throw new IllegalArgumentException("a state of " + params.length + " parameters does not fit a network of "
                    + p.length());
        }
        put(params, p);
        Updater u = net.getUpdater();
        INDArray view = u.getStateViewArray();
        if (view != null && updater.length == view.length()) {
            put(updater, view);
        } else if (view != null || updater.length != 0) {
            throw new IllegalArgumentException("optimizer state of " + updater.length + " values does not fit "
                    + (view == null ? 0 : view.length()));
        }
        net.setIterationCount(iteration);
    }

    public float[] params() {
        return params;
    }

    public float[] updater() {
        return updater;
    }

    public int iteration() {
        return iteration;
    }

    public ModelState withParams(float[] newParams) {
        return new ModelState(newParams, updater, iteration);
    }

    /**
     * The values of {@code a} as floats, copied straight from its buffer where it is a contiguous float vector (a
     * network's parameters and optimizer state are): going through a native copy first left one more
     * model-sized native array per call waiting for the garbage collector.
     */
    public static float[] floats(INDArray a) {
        if (isFloatVector(a)) {
            float[] out = new float[Math.toIntExact(a.length())];
            a.data().asNioFloat().get((int) a.offset(), out);
            return out;
        }
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /** Overwrites {@code a}'s values with {@code values}, in place for a contiguous float vector. */
    private static void put(float[] values, INDArray a) {
        if (isFloatVector(a)) {
            // A view's NIO buffer starts at its base buffer (unlike its address), hence the offset.
            a.data().asNioFloat().put((int) a.offset(), values);
        } else {
            a.assign(Nd4j.create(values, a.shape(), 'c'));
        }
    }

    private static boolean isFloatVector(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.isVectorOrScalar() && a.elementWiseStride() == 1;
    }
}
