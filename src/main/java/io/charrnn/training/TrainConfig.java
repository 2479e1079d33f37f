package io.charrnn.training;

import io.charrnn.corpus.UserError;
import io.charrnn.model.ModelConfig;

import java.io.Serializable;

/**
 * Everything a training run was asked to do. Stored in every checkpoint, so a checkpoint alone tells how it was
 * made and a resumed run can check that it continues the same run. The defaults live in the CLI's option
 * definitions ({@code cli.TrainOptions}).
 */
public record TrainConfig(String corpus, String output, ModelConfig model, int window, int batchSize,
                          int averagingFrequency, double valFraction, int epochs, double maxMinutes,
                          int checkpointEvery, int workers, long valMaxChars, int sampleChars)
        implements Serializable {

    public TrainConfig {
        require(model.layers() >= 1 && model.layers() <= 16, "--layers must be between 1 and 16, got " + model.layers());
        require(model.hidden() >= 1 && model.hidden() <= 8192, "--hidden must be between 1 and 8192, got " + model.hidden());
        require(model.seqLength() >= 1, "--seq-length must be at least 1, got " + model.seqLength());
        require(window >= 2, "--window must be at least 2, got " + window);
        require(model.seqLength() <= window, "--seq-length (" + model.seqLength() + ") must not exceed --window ("
                + window + ")");
        require(window <= 1_000_000, "--window must be at most 1000000, got " + window);
        require(batchSize >= 1 && batchSize <= 100_000, "--batch-size must be between 1 and 100000, got " + batchSize);
        require(averagingFrequency >= 1, "--averaging-frequency must be at least 1, got " + averagingFrequency);
        require(model.learningRate() > 0 && model.learningRate() < 10,
                "--learning-rate must be in (0, 10), got " + model.learningRate());
        require(model.dropout() >= 0 && model.dropout() < 1, "--dropout must be in [0, 1), got " + model.dropout());
        require(model.gradClip() >= 0, "--grad-clip must be 0 (off) or positive, got " + model.gradClip());
        require(valFraction > 0 && valFraction < 0.5, "--val-fraction must be in (0, 0.5), got " + valFraction);
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(maxMinutes >= 0, "--max-minutes must be 0 (no limit) or positive, got " + maxMinutes);
        require(checkpointEvery >= 1, "--checkpoint-every must be at least 1, got " + checkpointEvery);
        require(workers >= 0, "--workers must be 0 (one per Spark task slot) or positive, got " + workers);
        require(sampleChars >= 0 && sampleChars <= 100_000, "--sample-chars must be between 0 and 100000, got "
                + sampleChars);
        require(valMaxChars >= window, "--val-max-chars must be at least one window (" + window + "), got "
                + valMaxChars);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new UserError(message);
        }
    }

    /** The parts of the configuration that must match for a run to be continued from its checkpoint. */
    public boolean sameRunAs(TrainConfig other) {
        return model.equals(other.model) && window == other.window && batchSize == other.batchSize
                && averagingFrequency == other.averagingFrequency && valFraction == other.valFraction;
    }
}
