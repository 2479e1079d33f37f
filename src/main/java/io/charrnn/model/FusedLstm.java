package io.charrnn.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.AbstractLSTM;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Configuration of {@link FusedLstmLayer}: the same LSTM as DL4J's {@code LSTM} layer (no peepholes, tanh block input
 * and cell output, sigmoid gates, parameters W, RW and b in the same layout), computed with a few large matrix
 * products and one fused loop per time step instead of thousands of small native calls.
 *
 * <p>DL4J stores layer configurations as JSON with their class name, so this class needs its no-argument constructor
 * and must be on every executor's classpath (it is in the application jar).
 */
public class FusedLstm extends AbstractLSTM {
    private static final long serialVersionUID = 1L;

    /**
     * Whether the input is one symbol id per step ([batch, 1, time]) rather than nIn features; nIn is then the
     * vocabulary size. Absent from configurations written before ids (one-hot input), so false when read.
     */
    private boolean idInput;
    /**
     * With id input, the adaptive layout of its symbols (null: none, one row of W per symbol): the
     * {@link AdaptiveSoftmax} head's symbols keep rows of W; a cluster's have embeddings of its projection's width,
     * mapped up to the 4H gates by one matrix (Baevski and Auli's adaptive input). The network's output layer
     * shares the layout.
     */
    private int[] inputCutoffs;
    private int[] inputSymbolsByFrequency;
    private int inputDivisor;
    /** Made on first use (a transient field is not restored by deserialization); shared by clones. */
    private transient AdaptiveSoftmax.Cache inputLayout;

    /**
     * Whether float networks in this JVM run the vector kernel; false where the JVM lacks
     * {@code --add-modules=jdk.incubator.vector} (conf/jvm-options), which makes training ~1.6x slower.
     */
    public static boolean vectorKernel() {
        return LstmKernel.VECTOR_AVAILABLE;
    }

    public FusedLstm() {
        // For JSON.
    }

    private FusedLstm(Builder builder) {
        super(builder);
        this.idInput = builder.idInput;
        if (builder.adaptiveInput != null) {
            this.inputCutoffs = builder.adaptiveInput.cutoffs();
            this.inputSymbolsByFrequency = builder.adaptiveInput.symbolsByFrequency();
            this.inputDivisor = builder.adaptiveInput.divisor();
        }
    }

    public boolean isIdInput() {
        return idInput;
    }

    public void setIdInput(boolean idInput) {
        this.idInput = idInput;
    }

    /** The adaptive layout of the input's symbols, or null when each has a row of W. */
    public AdaptiveSoftmax inputLayout() {
        if (inputLayout == null) {
            inputLayout = new AdaptiveSoftmax.Cache();
        }
        return inputLayout.of(inputCutoffs, inputSymbolsByFrequency, inputDivisor);
    }

    public int[] getInputCutoffs() {
        return inputCutoffs;
    }

    public void setInputCutoffs(int[] inputCutoffs) {
        this.inputCutoffs = inputCutoffs;
    }

    public int[] getInputSymbolsByFrequency() {
        return inputSymbolsByFrequency;
    }

    public void setInputSymbolsByFrequency(int[] inputSymbolsByFrequency) {
        this.inputSymbolsByFrequency = inputSymbolsByFrequency;
    }

    public int getInputDivisor() {
        return inputDivisor;
    }

    public void setInputDivisor(int inputDivisor) {
        this.inputDivisor = inputDivisor;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedLstm f && super.equals(o) && idInput == f.idInput
                && java.util.Arrays.equals(inputCutoffs, f.inputCutoffs)
                && java.util.Arrays.equals(inputSymbolsByFrequency, f.inputSymbolsByFrequency)
                && inputDivisor == f.inputDivisor;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), idInput, java.util.Arrays.hashCode(inputCutoffs),
                java.util.Arrays.hashCode(inputSymbolsByFrequency), inputDivisor);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedLstm", getLayerName(), layerIndex, getNIn(), getNOut());
        if (!(getActivationFn() instanceof ActivationTanH) || !(getGateActivationFn() instanceof ActivationSigmoid)) {
            throw new IllegalStateException("FusedLstm computes tanh activations and sigmoid gates only, got "
                    + getActivationFn() + " and " + getGateActivationFn());
        }
        if (getRnnDataFormat() != RNNFormat.NCW) {
            throw new IllegalStateException("FusedLstm takes [batch, features, time] (NCW) input only");
        }
        return LayerWiring.wire(new FusedLstmLayer(conf, networkDataType), conf, listeners, layerIndex,
                layerParamsView, initializeParams, initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return FusedLstmParams.INSTANCE;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long params = FusedLstmParams.INSTANCE.numParams(this);
        // Per example and time step: gates (4H), cell and its tanh (2H), output (H); kept for backprop, in doubles.
        long perStep = 8L * getNOut() * 8;
        return new LayerMemoryReport.Builder(getLayerName(), FusedLstm.class, inputType, outputType)
                .standardMemory(params, 0)
                .workingMemory(0, perStep, 0, perStep)
                .cacheMemory(0, 0)
                .build();
    }

    public static final class Builder extends AbstractLSTM.Builder<Builder> {
        private boolean idInput;
        private AdaptiveSoftmax adaptiveInput;

        public Builder() {
            activation(new ActivationTanH());
            gateActivationFunction(new ActivationSigmoid());
        }

        /** Takes symbol ids, one per step, instead of nIn features (see {@link FusedLstm#isIdInput()}). */
        public Builder idInput(boolean ids) {
            this.idInput = ids;
            return this;
        }

        /** With id input, symbols laid out adaptively (see {@link FusedLstm#inputLayout()}); null: not. */
        public Builder adaptiveInput(AdaptiveSoftmax layout) {
            this.adaptiveInput = layout;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FusedLstm build() {
            return new FusedLstm(this);
        }
    }
}
