package io.charrnn.training;

/**
 * The step the driver takes after a round, treating the workers' averaged change as a pseudo-gradient
 * (DiLoCo's outer Nesterov step; BMUF's block momentum is the same family): with {@code d = start - mean} and
 * the velocity {@code v = momentum * v + d}, the new parameters are {@code start - lr * (d + momentum * v)}.
 *
 * <p>Plain averaging moves the model about one worker's distance per round while consuming every worker's data;
 * a larger, momentum-filtered step recovers the rest (steady state about {@code lr / (1 - momentum)} times the
 * averaged change). With {@code lr = 1, momentum = 0} the step is plain averaging exactly, bit for bit: the formula
 * is written as {@code mean + (1 - lr) * d - lr * momentum * v} so that both extra terms are zero then.
 * During the first {@code warmupRounds} rounds the step is plain averaging and the velocity stays zero.
 *
 * <p>The velocity is part of the training state: checkpoints hold it, so that a resumed run continues exactly.
 */
public final class OuterOptimizer {
    private final float lr;
    private final float momentum;
    private final long warmupRounds;
    private float[] velocity;

    public OuterOptimizer(double lr, double momentum, long warmupRounds, float[] velocity) {
        this.lr = (float) lr;
        this.momentum = (float) momentum;
        this.warmupRounds = warmupRounds;
        this.velocity = velocity;
    }

    /** The momentum that makes the steady-state step about {@code workers} times the averaged change (BMUF). */
    public static double defaultMomentum(int workers) {
        return 1.0 - 1.0 / workers;
    }

    /**
     * The parameters after round {@code round} (counted from 0 over the whole run) that started from {@code start}
     * and whose workers ended, on average, at {@code mean}.
     */
    public float[] step(float[] start, float[] mean, long round) {
        if (start.length != mean.length) {
            throw new IllegalArgumentException("start and mean differ in length");
        }
        if (round < warmupRounds) {
            return mean;
        }
        if (velocity == null) {
            velocity = new float[start.length];
        } else if (velocity.length != start.length) {
            throw new IllegalArgumentException("the outer velocity has " + velocity.length + " values, the model "
                    + start.length);
        }
        float[] out = new float[start.length];
        float keepShare = 1f - lr;
        float pull = lr * momentum;
        for (int i = 0; i < out.length; i++) {
            float d = start[i] - mean[i];
            float v = momentum * velocity[i] + d;
            velocity[i] = v;
            out[i] = mean[i] + keepShare * d - pull * v;
        }
        return out;
    }

    /** Puts back a velocity saved before a step that is undone (a diverged round). */
    public void restoreVelocity(float[] saved) {
        velocity = saved;
    }

    /** The velocity to checkpoint; null before the first outer step. */
    public float[] velocity() {
        return velocity;
    }
}
