package io.charrnn.model;

import java.io.Serializable;

/**
 * The shape and optimiser of a char-LSTM, everything needed to rebuild the network besides the vocabulary size.
 *
 * @param layers       number of stacked LSTM layers
 * @param hidden       LSTM units per layer
 * @param seqLength    truncated-BPTT length in characters; the hidden state is carried across segments of a window
 * @param dropout      probability of dropping an input of the second and later LSTM layers and of the output layer
 * @param learningRate Adam learning rate
 * @param gradClip     element-wise gradient clipping threshold (0 disables)
 * @param seed         weight-initialisation seed
 * @param lstm         the layer implementation; checkpoints written before it existed used the stock layer
 * @param softmax      the output layer asked for ({@code --softmax}); checkpoints written before it, full
 * @param adaptive     the adaptive softmax's layout, or null for the full softmax: what {@code softmax} came to for
 *                     the run's vocabulary, which the network is built with
 */
public record ModelConfig(int layers, int hidden, int seqLength, double dropout, double learningRate,
                          double gradClip, long seed, LstmImplementation lstm, AdaptiveSoftmax.Choice softmax,
                          AdaptiveSoftmax adaptive) implements Serializable {
    public ModelConfig {
        if (lstm == null) {
            lstm = LstmImplementation.STOCK;
        }
        if (softmax == null) {
            softmax = AdaptiveSoftmax.Choice.FULL;
        }
    }

    /** With the full softmax. */
    public ModelConfig(int layers, int hidden, int seqLength, double dropout, double learningRate, double gradClip,
                       long seed, LstmImplementation lstm) {
        this(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, AdaptiveSoftmax.Choice.FULL,
                null);
    }

    public ModelConfig withLstm(LstmImplementation implementation) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, implementation,
                softmax, adaptive);
    }

    /** With the output layer {@code choice} asks for, its layout still to be made by {@link #withAdaptive}. */
    public ModelConfig withSoftmax(AdaptiveSoftmax.Choice choice) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, choice, null);
    }

    public ModelConfig withAdaptive(AdaptiveSoftmax layout) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, softmax,
                layout);
    }
}
