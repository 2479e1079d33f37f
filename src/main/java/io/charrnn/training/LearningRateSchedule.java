package io.charrnn.training;

import java.io.Serializable;
import java.util.Locale;

/**
 * The learning rate of each round. {@code cosine} and {@code wsd} know the budget: both warm up from a tenth of
 * --learning-rate over the first {@value #WARMUP_PERCENT}% of a cycle; cosine then follows half a cosine down to a
 * tenth at the cycle's end, where the job stops, while wsd (warm-up, stable, decay) holds --learning-rate and decays
 * in a straight line to a tenth over the last {@value #DECAY_PERCENT}% only. {@code step} is char-rnn's: multiply by
 * --lr-decay at the end of every epoch from --lr-decay-after on, whatever the budget.
 *
 * <p>A cycle runs from where a job starts to where it will stop: to --epochs, or to the end of --max-minutes when
 * that comes first. A run bounded by epochs alone keeps its cycle across a resume (the checkpoint records it), so a
 * resumed run learns with the same rates as an uninterrupted one; a job with a time budget starts a cycle of its own
 * (the time left is this job's), as does a run continued with other --epochs: each night of a nightly run warms up
 * and decays again, and a warm start (--init-from) warms up the model it starts from.
 *
 * <p>With --patience N a cycle also ends when N validations in a row bring no new best: wsd and cosine then decay in
 * a straight line from the rate of that moment to a tenth over another {@value #EARLY_DECAY_SHARE} of the epochs the
 * cycle has run (the share of a whole cycle wsd decays over), and the job stops there; step stops at once. The count
 * and the early end are part of the cycle, so a resumed run stops where an uninterrupted one would.
 */
public final class LearningRateSchedule {
    public static final String COSINE = "cosine";
    public static final String STEP = "step";
    public static final String WSD = "wsd";
    /** Every kind, as --lr-schedule takes them. */
    public static final java.util.List<String> KINDS = java.util.List.of(STEP, COSINE, WSD);
    /**
     * What a new run gets when --lr-schedule is not given. wsd won every comparison measured one after another: 10
     * minutes with every other default, scored on the last 10% of tinyshakespeare, 1.5518 against step's 1.5698; the
     * quick start's two epochs at 5e-3, 1.1256 against step's 1.1889; 10 minutes of 2 x 256, 1.4775 against
     * cosine's 1.4963 (BENCHMARKS-LOG, 2026-12-07). A run continued keeps the schedule it began with, so runs from
     * before this default go on with step.
     */
    public static final String DEFAULT = WSD;
    public static final int WARMUP_PERCENT = 2;
    public static final int DECAY_PERCENT = 20;
    /** The early decay's length against the epochs its cycle ran: 20% of the shortened cycle, as wsd's own. */
    public static final String EARLY_DECAY_SHARE = "quarter";
    private static final double EARLY_DECAY = DECAY_PERCENT / (100.0 - DECAY_PERCENT);
    private static final double DECAY = DECAY_PERCENT / 100.0;
    private static final double WARMUP = WARMUP_PERCENT / 100.0;
    private static final double FLOOR = 0.1;

    /**
     * Where a cycle starts (epochs done, with the fraction of the epoch) and the epochs it ends at; for --patience,
     * the cycle's best validation loss and the validations in a row since that brought no new one, and once they
     * ended the cycle early, where its early decay began (epoch and rate) and the epoch it stops at. All 0 until
     * then, and in checkpoints from before --patience.
     */
    public record Cycle(double fromEpoch, int toEpoch, double best, int stalled, double decayFrom, double decayRate,
                        double stopAt) implements Serializable {
        public Cycle(double fromEpoch, int toEpoch) {
            this(fromEpoch, toEpoch, 0, 0, 0, 0, 0);
        }

        /** Whether --patience ended the cycle early: it decays from {@code decayFrom} and stops at {@code stopAt}. */
        public boolean endsEarly() {
            return stopAt > 0;
        }
    }

    private final String kind;
    private final double base;
    private final double decay;
    private final int decayAfter;
    private final double budgetSeconds;
    private final int patience;
    private Cycle cycle;

    private LearningRateSchedule(String kind, double base, double decay, int decayAfter, Cycle cycle,
                                 double budgetSeconds, int patience) {
        this.kind = kind;
        this.base = base;
        this.decay = decay;
        this.decayAfter = decayAfter;
        this.cycle = cycle;
        this.budgetSeconds = budgetSeconds;
        this.patience = patience;
    }

    /**
     * The schedule of a job that starts at {@code startEpoch} (epochs done, with the fraction); {@code recorded} is
     * the cycle its checkpoint was in (null for a new run, or one from before cycles were recorded).
     */
    public static LearningRateSchedule of(TrainConfig config, double startEpoch, Cycle recorded) {
        double budgetSeconds = config.maxMinutes() > 0 ? config.maxMinutes() * 60 : Double.POSITIVE_INFINITY;
        boolean keep = recorded != null && recorded.toEpoch() == config.epochs() && config.maxMinutes() <= 0;
        Cycle cycle = keep ? recorded : new Cycle(startEpoch, config.epochs());
        return new LearningRateSchedule(config.lrScheduleOrDefault(), config.model().learningRate(), config.lrDecay(),
                config.lrDecayAfter(), cycle, budgetSeconds, config.patience());
    }

    public Cycle cycle() {
        return cycle;
    }

    /**
     * The rate of a round that starts at {@code epoch} (epochs done, with the fraction) when the job has run
     * {@code jobSeconds}.
     */
    public double rateAt(double epoch, double jobSeconds) {
        double planned = plannedRateAt(epoch, jobSeconds);
        if (!cycle.endsEarly() || STEP.equals(kind)) {
            return planned;
        }
        double span = cycle.stopAt() - cycle.decayFrom();
        double left = span > 0 ? Math.min(1, Math.max(0, (cycle.stopAt() - epoch) / span)) : 0;
        // A time budget that ends sooner keeps its own decay: whichever is lower.
        return Math.min(planned, base * FLOOR + (cycle.decayRate() - base * FLOOR) * left);
    }

    /**
     * Counts a validation's {@code loss} toward --patience (no lower than the cycle's best: one more in a row) at
     * {@code epoch} when the job has run {@code jobSeconds}; true when this one ends the cycle early (see
     * {@link #cycle()} for where it stops).
     */
    public boolean afterValidation(double loss, double epoch, double jobSeconds) {
        if (patience <= 0 || cycle.endsEarly()) {
            return false;
        }
        // The cycle's own best: a job that starts a cycle of its own (tonight's, on a grown split) counts afresh.
        boolean improved = cycle.best() <= 0 || loss <= cycle.best();
        double best = improved ? loss : cycle.best();
        int stalled = improved ? 0 : cycle.stalled() + 1;
        if (stalled < patience) {
            cycle = new Cycle(cycle.fromEpoch(), cycle.toEpoch(), best, stalled, 0, 0, 0);
            return false;
        }
        double stopAt = STEP.equals(kind) ? epoch : epoch + EARLY_DECAY * (epoch - cycle.fromEpoch());
        cycle = new Cycle(cycle.fromEpoch(), cycle.toEpoch(), best, stalled, epoch, rateAt(epoch, jobSeconds),
                stopAt);
        return true;
    }

    /** Whether --patience has ended the cycle by {@code epoch}: the job stops. */
    public boolean stoppedEarlyBy(double epoch) {
        return cycle.endsEarly() && epoch >= cycle.stopAt();
    }

    /** What the early end does, for the log when it comes. */
    public String describeEarlyEnd() {
        if (STEP.equals(kind) || cycle.stopAt() <= cycle.decayFrom()) {
            return "stopping";
        }
        return String.format(Locale.ROOT, "decaying the learning rate from %g to %g by epoch %.2f, then stopping",
                cycle.decayRate(), base * FLOOR, cycle.stopAt());
    }

    /** The schedule's rate without --patience's early end. */
    private double plannedRateAt(double epoch, double jobSeconds) {
        if (STEP.equals(kind)) {
            int decays = Math.max(0, (int) Math.floor(epoch) - decayAfter + 1);
            return base * Math.pow(decay, decays);
        }
        double span = cycle.toEpoch() - cycle.fromEpoch();
        double done = Math.max(span > 0 ? (epoch - cycle.fromEpoch()) / span : 1, jobSeconds / budgetSeconds);
        done = Math.min(1, Math.max(0, done));
        if (done < WARMUP) {
            return base * (FLOOR + (1 - FLOOR) * done / WARMUP);
        }
        if (WSD.equals(kind)) {
            double left = Math.min(1, (1 - done) / DECAY);
            return base * (FLOOR + (1 - FLOOR) * left);
        }
        double cosine = 0.5 * (1 + Math.cos(Math.PI * (done - WARMUP) / (1 - WARMUP)));
        return base * (FLOOR + (1 - FLOOR) * cosine);
    }

    public String describe() {
        if (STEP.equals(kind)) {
            return String.format(Locale.ROOT, "learning rate %g, x %g a epoch from epoch %d on%s", base, decay,
                    decayAfter, patience <= 0 ? "" : "; stopped after " + patience + " validations in a row without a"
                            + " new best (--patience)");
        }
        String end = Double.isFinite(budgetSeconds) ? String.format(Locale.ROOT, "epoch %d or %.1f minutes",
                cycle.toEpoch(), budgetSeconds / 60) : "epoch " + cycle.toEpoch();
        String decay = WSD.equals(kind) ? String.format(Locale.ROOT, "held, then decayed in a straight line over"
                + " the last %d%% to %g at its end", DECAY_PERCENT, base * FLOOR)
                : String.format(Locale.ROOT, "decayed on a cosine to %g at its end", base * FLOOR);
        String early = cycle.endsEarly()
                ? String.format(Locale.ROOT, "; --patience ended the cycle early at epoch %.2f: %s", cycle.decayFrom(),
                        describeEarlyEnd())
                : patience <= 0 ? "" : String.format(Locale.ROOT, "; or after %d validations in a row without a new"
                        + " best (--patience), decayed to %g over another %s of the cycle's epochs so far, and stopped",
                        patience, base * FLOOR, EARLY_DECAY_SHARE);
        return String.format(Locale.ROOT, "learning rate %g, warmed up over %d%% of the cycle from epoch %.2f and"
                + " %s (%s)%s", base, WARMUP_PERCENT, cycle.fromEpoch(), decay, end, early);
    }
}
