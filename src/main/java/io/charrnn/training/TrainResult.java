package io.charrnn.training;

/**
 * How a training run ended.
 *
 * @param progress         where the run stands
 * @param latestCheckpoint name of the newest checkpoint in the run directory
 * @param bestCheckpoint   name of the checkpoint with the lowest validation loss
 * @param vocabularySize   symbols in the vocabulary
 * @param wallSeconds      wall time of this invocation, data preparation included
 * @param outOfTime        true when {@code --max-minutes} ended the run before its epochs were done
 * @param stoppedEarly     true when {@code --patience} ended it (after its early decay)
 */
public record TrainResult(Progress progress, String latestCheckpoint, String bestCheckpoint, int vocabularySize,
                          double wallSeconds, boolean outOfTime, boolean stoppedEarly) {
}
