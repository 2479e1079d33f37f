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
 */
public record ModelConfig(int layers, int hidden, int seqLength, double dropout, double learningRate,
                          double gradClip, long seed, LstmImplementation lstm) implements Serializable {
    public ModelConfig {
        if (lstm == null) {
            lstm = LstmImplementation.STOCK;
        }
    }

    public ModelConfig withLstm(LstmImplementation implementation) {
        return new ModelConfig(layers, hidden, seqLength, dropout, learningRate, gradClip, seed, implementation);
    }
}
