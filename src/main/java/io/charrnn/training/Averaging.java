package io.charrnn.training;

import io.charrnn.common.UserError;

import java.io.Serializable;

/**
 * How the workers' parameters are combined after each round. The defaults live in the CLI's option definitions
 * ({@code cli.TrainOptions}).
 *
 * @param mode          {@link Mode#OUTER}: this project's round loop with the {@link OuterOptimizer}; {@link Mode#DL4J}:
 *                      DL4J's ParameterAveragingTrainingMaster, kept as the baseline
 * @param outerLr       the outer step's learning rate (1 with momentum 0 is plain averaging)
 * @param outerMomentum the outer step's Nesterov momentum; null means {@code 1 - 1/workers} (BMUF's block momentum)
 * @param warmupRounds  rounds of plain averaging before the outer step starts
 */
public record Averaging(Mode mode, double outerLr, Double outerMomentum, int warmupRounds) implements Serializable {
    public enum Mode { OUTER, DL4J }

    /** Plain parameter averaging in this project's loop; also what runs from before the outer step continue with. */
    public static final Averaging PLAIN = new Averaging(Mode.OUTER, 1, 0.0, 0);

    public Averaging {
        if (mode == null) {
            mode = Mode.OUTER;
        }
        if (!(outerLr > 0 && outerLr <= 10)) {
            throw new UserError("--outer-lr must be in (0, 10], got " + outerLr);
        }
        if (outerMomentum != null && !(outerMomentum >= 0 && outerMomentum < 1)) {
            throw new UserError("--outer-momentum must be in [0, 1) or auto, got " + outerMomentum);
        }
        if (warmupRounds < 0) {
            throw new UserError("--outer-warmup must be 0 or more rounds, got " + warmupRounds);
        }
        if (mode == Mode.DL4J && (outerLr != 1 || (outerMomentum != null && outerMomentum != 0))) {
            throw new UserError("--averaging dl4j averages plainly inside DL4J; drop --outer-lr and --outer-momentum");
        }
    }

    /** The momentum in force with {@code workers} workers. */
    public double momentumFor(int workers) {
        if (mode == Mode.DL4J) {
            return 0;
        }
        return outerMomentum != null ? outerMomentum : OuterOptimizer.defaultMomentum(workers);
    }
}
