package io.charrnn.model;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the DL4J network for a {@link ModelConfig}: stacked LSTMs, a softmax output, Adam, truncated BPTT; with the
 * config's {@link AdaptiveSoftmax} layout, the first layer's input and the softmax adaptive. Inputs and
 * targets are symbol ids ({@link Minibatches}); networks of checkpoints written before ids took one-hot rows and
 * are rebuilt by {@link #current} with the same parameters.
 */
public final class CharLstm {
    /** How a network takes its input and targets. */
    enum Symbols {
        /** One id per step: {@link Minibatches}. */
        IDS,
        /** One-hot rows of the vocabulary, as networks of checkpoints written before ids. */
        ONE_HOT
    }

    private CharLstm() {
    }

    public static MultiLayerConfiguration configuration(ModelConfig config, int vocabularySize) {
        return configuration(config, vocabularySize, DataType.FLOAT, new Adam(config.learningRate()), true,
                Symbols.IDS);
    }

    /** The same network with another precision, updater or backprop type, e.g. for gradient checks. */
    static MultiLayerConfiguration configuration(ModelConfig config, int vocabularySize, DataType dataType,
                                                 IUpdater updater, boolean truncatedBptt, Symbols symbols) {
        boolean ids = symbols == Symbols.IDS;
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(config.seed())
                .dataType(dataType)
                .updater(updater)
                .weightInit(WeightInit.XAVIER);
        if (config.gradClip() > 0) {
            // char-rnn clips each gradient element, not the norm.
            base.gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                    .gradientNormalizationThreshold(config.gradClip());
        }
        // DL4J's dropOut(x) takes the probability of KEEPING an input.
        double keep = 1.0 - config.dropout();
        NeuralNetConfiguration.ListBuilder list = base.list();
        for (int i = 0; i < config.layers(); i++) {
            BaseRecurrentLayer.Builder<?> lstm = config.lstm() == LstmImplementation.FUSED
                    ? new FusedLstm.Builder().idInput(ids && i == 0).adaptiveInput(i == 0 ? config.adaptive() : null)
                    : new LSTM.Builder().activation(Activation.TANH);
            lstm.nIn(i == 0 ? vocabularySize : config.hidden()).nOut(config.hidden());
            if (i > 0 && config.dropout() > 0) {
                lstm.dropOut(keep);
            }
            list.layer(lstm.build());
        }
        if (config.adaptive() != null && (!ids || config.adaptive().symbols() != vocabularySize
                || config.lstm() != LstmImplementation.FUSED)) {
            throw new IllegalArgumentException("adaptive layers over " + config.adaptive().symbols()
                    + " symbols need a fused LSTM taking the ids of as many");
        }
        if (config.adaptive() != null) {
            list.layer(AdaptiveOutput.of(config.hidden(), config.adaptive(), config.dropout()));
        } else if (ids) {
            list.layer(IdOutput.of(config.hidden(), vocabularySize, config.dropout()));
        } else {
            RnnOutputLayer.Builder output = new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .dataFormat(RNNFormat.NCW)
                    .activation(Activation.SOFTMAX)
                    .nIn(config.hidden())
                    .nOut(vocabularySize);
            if (config.dropout() > 0) {
                output.dropOut(keep);
            }
            list.layer(output.build());
        }
        if (ids && config.lstm() != LstmImplementation.FUSED) {
            list.inputPreProcessor(0, new IdsToOneHot(vocabularySize));
        }
        if (!truncatedBptt) {
            return list.build();
        }
        return list.backpropType(BackpropType.TruncatedBPTT)
                .tBPTTForwardLength(config.seqLength())
                .tBPTTBackwardLength(config.seqLength())
                .build();
    }

    /**
     * {@code net} as {@code config} builds it today, taking ids, with {@code config}'s LSTM implementation: the net
     * itself when it is so already, else a new one with its parameters, updater state and counters (both
     * implementations and both input forms lay their parameters out alike).
     */
    public static MultiLayerNetwork current(MultiLayerNetwork net, ModelConfig config) {
        if (takesIds(net) && implementationOf(net) == config.lstm()) {
            return net;
        }
        MultiLayerNetwork copy = create(config, vocabularySize(net));
        copy.setParams(net.params());
        if (net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            copy.getUpdater().getStateViewArray().assign(net.getUpdater().getStateViewArray());
        }
        copy.setIterationCount(net.getIterationCount());
        copy.setEpochCount(net.getEpochCount());
        return copy;
    }

    /**
     * Sets the learning rate of every layer's updater in place. DL4J's {@code setLearningRate} rebuilds the whole
     * updater (its blocks and state views) for a new rate, which a schedule that changes the rate every round paid
     * on the driver and on every worker (about 5 ms a call at 2 x 128); the updater's steps read the rate from
     * these same configuration objects at each step, so setting it there is the same update, without the rebuild.
     */
    public static void setLearningRate(MultiLayerNetwork net, double rate) {
        // The network's configurations, which a checkpoint writes, are the layers' own, whose updaters the blocks
        // hold (LearningRateInPlaceTest compares the bits and the written configuration with DL4J's setter's).
        for (var conf : net.getLayerWiseConfigurations().getConfs()) {
            if (conf.getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer layer) {
                setRate(layer.getIUpdater(), rate);
                setRate(layer.getBiasUpdater(), rate);
            }
        }
    }

    private static void setRate(IUpdater updater, double rate) {
        if (updater != null && updater.hasLearningRate()) {
            updater.setLrAndSchedule(rate, null);
        }
    }

    /** Whether a network takes symbol ids (every network built today) rather than one-hot rows. */
    public static boolean takesIds(MultiLayerNetwork net) {
        return net.getOutputLayer().conf().getLayer() instanceof BaseOutputLayer out
                && out.getLossFn() instanceof IdCrossEntropy;
    }

    /** The number of symbols a network reads and predicts. */
    public static int vocabularySize(MultiLayerNetwork net) {
        return (int) ((FeedForwardLayer) net.getLayerWiseConfigurations().getConf(0).getLayer()).getNIn();
    }

    static LstmImplementation implementationOf(MultiLayerNetwork net) {
        return net.getLayerWiseConfigurations().getConf(0).getLayer() instanceof FusedLstm
                ? LstmImplementation.FUSED : LstmImplementation.STOCK;
    }

    /** The parameters {@link #create} would allocate, counted from the configuration without allocating them. */
    public static long parameters(ModelConfig config, int vocabularySize) {
        long n = 0;
        for (var layer : configuration(config, vocabularySize).getConfs()) {
            n += layer.getLayer().initializer().numParams(layer);
        }
        return n;
    }

    public static MultiLayerNetwork create(ModelConfig config, int vocabularySize) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(config, vocabularySize));
        net.init();
        return net;
    }
}
