package io.charrnn.model;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds the DL4J network for a {@link ModelConfig}: stacked LSTMs, softmax output, Adam, truncated BPTT. */
public final class CharLstm {
    private CharLstm() {
    }

    public static MultiLayerConfiguration configuration(ModelConfig config, int vocabularySize) {
        return configuration(config, vocabularySize, DataType.FLOAT, new Adam(config.learningRate()), true);
    }

    /** The same network with another precision, updater or backprop type, e.g. for gradient checks. */
    static MultiLayerConfiguration configuration(ModelConfig config, int vocabularySize, DataType dataType,
                                                 IUpdater updater, boolean truncatedBptt) {
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
                    ? new FusedLstm.Builder() : new LSTM.Builder().activation(Activation.TANH);
            lstm.nIn(i == 0 ? vocabularySize : config.hidden()).nOut(config.hidden());
            if (i > 0 && config.dropout() > 0) {
                lstm.dropOut(keep);
            }
            list.layer(lstm.build());
        }
        RnnOutputLayer.Builder output = new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .activation(Activation.SOFTMAX)
                .nIn(config.hidden())
                .nOut(vocabularySize);
        if (config.dropout() > 0) {
            output.dropOut(keep);
        }
        list.layer(output.build());
        if (!truncatedBptt) {
            return list.build();
        }
        return list.backpropType(BackpropType.TruncatedBPTT)
                .tBPTTForwardLength(config.seqLength())
                .tBPTTBackwardLength(config.seqLength())
                .build();
    }

    /**
     * The same network built with {@code config}'s LSTM implementation: parameters and updater state carry over
     * as they are, since both implementations lay them out alike.
     */
    public static MultiLayerNetwork withImplementation(MultiLayerNetwork net, ModelConfig config, int vocabularySize) {
        MultiLayerNetwork copy = create(config, vocabularySize);
        copy.setParams(net.params());
        if (net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            copy.getUpdater().getStateViewArray().assign(net.getUpdater().getStateViewArray());
        }
        copy.setIterationCount(net.getIterationCount());
        copy.setEpochCount(net.getEpochCount());
        return copy;
    }

    public static MultiLayerNetwork create(ModelConfig config, int vocabularySize) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(config, vocabularySize));
        net.init();
        return net;
    }
}
