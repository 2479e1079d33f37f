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
 * @param adaptiveChoice whether the input and output are to be adaptive ({@code --adaptive}); checkpoints written
 *                     before it, off
 * @param adaptive     the layout of the adaptive input and softmax, or null for char-rnn's layers: what
 *                     {@code adaptiveChoice} came to for the run's vocabulary, which the network is built with
 */
public record ModelConfig(int layers, int hidden, int seqLength, double dropout, double learningRate,
                          double gradClip, long seed, LstmImplementation lstm, AdaptiveSoftmax.Choice adaptiveChoice,
                          AdaptiveSoftmax adaptive) implements Serializable {
    public ModelConfig {
        if (lstm == null) {
            lstm = LstmImplementation.STOCK;
        }
        if (adaptiveChoice == null) {
            adaptiveChoice = AdaptiveSoftmax.Choice.OFF;
        }
    }

    /** With the full softmax. */
    public ModelConfig(int layers, int hidden, int seqLength, double dropout, double learningRate, double gradClip,
                       long seed, LstmImplementation lstm) {
        this(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, AdaptiveSoftmax.Choice.OFF,
                null);
    }

    public ModelConfig withLstm(LstmImplementation implementation) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, implementation,
                adaptiveChoice, adaptive);
    }

    /** With the layers {@code choice} asks for, their layout still to be made by {@link #withAdaptive}. */
    public ModelConfig withAdaptiveChoice(AdaptiveSoftmax.Choice choice) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, choice, null);
    }

    public ModelConfig withAdaptive(AdaptiveSoftmax layout) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, lstm, adaptiveChoice,
                layout);
    }
}
