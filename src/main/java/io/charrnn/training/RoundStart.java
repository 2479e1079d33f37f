package io.charrnn.training;

import io.charrnn.model.ModelConfig;

import java.io.Serializable;

/**
 * Everything a worker needs to train its share of one round: the state every worker starts from, the network's
 * shape, and this epoch's learning rate. One object per round, broadcast once.
 */
public record RoundStart(ModelState state, ModelConfig model, int vocabularySize, int batchSize,
                         double learningRate, int epoch) implements Serializable {
}
