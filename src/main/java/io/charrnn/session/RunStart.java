package io.charrnn.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.common.BuildInfo;
import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.checkpoint.RunLock;
import io.charrnn.common.Json;
import io.charrnn.common.UserError;
import io.charrnn.training.LearningRateSchedule;
import io.charrnn.training.Progress;
import io.charrnn.training.TrainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run's directory holds and what to do with it, decided before any training starts: a new or empty directory
 * starts a run; a run with the same settings is continued from the newest checkpoint that loads (a nightly re-run of
 * one command resumes); a run with other settings is refused unless {@code --overwrite} replaces it; a run whose
 * epochs are all done has {@link NothingToDo}. Holds the run's lock until closed.
 */
public final class RunStart implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunStart.class);

    enum Kind { FRESH, RESUME, OVERWRITE }

    private final RunLock lock;
    private final Checkpoint resumed;

    private RunStart(RunLock lock, Checkpoint resumed) {
        this.lock = lock;
        this.resumed = resumed;
    }

    /**
     * Takes the lock on {@code run} (created if absent), then decides; on a fresh or replaced run writes
     * {@code run.json}, on a resumed one reads its newest checkpoint that loads, once.
     */
    public static RunStart open(RunDirectory run, TrainConfig config, Duration lockStale, boolean resume,
                                boolean overwrite) {
        checkNotAFile(run, config.output());
        run.create("--output");
        RunLock lock = RunLock.acquire(run, lockStale);
        try {
            // Decided only once the lock is held: two jobs started at once on a new directory would otherwise both
            // decide to start it, and the second, after the first, would write a fresh run over its work.
            Kind kind = decide(run, config, resume, overwrite);
            int removed = run.deleteTemporaryFiles();
            if (removed > 0) {
                LOG.info("removed {} temporary file(s) that an interrupted job left in {}", removed, run.uri());
            }
            if (kind == Kind.OVERWRITE) {
                run.deleteAllExcept(RunLock.FILE);
            }
            Checkpoint resumed = null;
            if (kind == Kind.RESUME) {
                resumed = latestThatLoads(run, config);
                if (resumed == null) {
                    // The job before stopped before its first checkpoint (killed, out of memory, a preempted
                    // node): nothing of it is worth keeping, so the same command starts the run again rather than
                    // refusing every night.
                    LOG.warn("{} holds a run without a checkpoint yet (its job stopped before the first one):"
                            + " starting it again in place", run.uri());
                } else {
                    checkWorkLeft(config, resumed.meta());
                }
            } else {
                writeRunFile(run, config);
            }
            return new RunStart(lock, resumed);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The checkpoint the run continues from; null when it starts from scratch. */
    public Checkpoint resumed() {
        return resumed;
    }

    @Override
    public void close() {
        lock.close();
    }

    static Kind decide(RunDirectory run, TrainConfig config, boolean resume, boolean overwrite) {
        String output = config.output();
        if (run.holdsRun()) {
            if (overwrite) {
                return Kind.OVERWRITE;
            }
            TrainConfig existing = run.readText(RunDirectory.RUN_FILE).map(RunStart::configOf).orElse(null);
            if (resume || (existing != null && config.sameRunAs(existing))) {
                if (!resume) {
                    LOG.info("{} holds a run with the same settings: continuing it", output);
                }
                return Kind.RESUME;
            }
            if (existing != null) {
                throw new UserError("--output " + output + " holds a run with other settings ("
                        + String.join(", ", config.differencesFrom(existing)) + "); use its settings to continue it"
                        + " (--resume), or --overwrite to replace it");
            }
            throw new UserError("--output " + output + " already holds a training run; add --resume to continue it"
                    + " or --overwrite to replace it");
        }
        if (!run.isEmpty()) {
            throw new UserError("--output " + output + " is not empty and holds no charrnn run; choose a new or "
                    + "empty directory");
        }
        if (resume) {
            throw new UserError("--resume: " + output + " holds no run to resume; drop --resume to start one");
        }
        return Kind.FRESH;
    }

    /**
     * The newest checkpoint that loads: the one {@code latest} names, else the others newest first. A damaged one
     * (truncated, failing its checksum, unreadable) is reported and skipped. Null when the run has no checkpoint
     * and no pointer to one at all.
     */
    public static Checkpoint latestThatLoads(RunDirectory run, TrainConfig config) {
        List<String> candidates = new ArrayList<>();
        run.pointer(RunDirectory.LATEST).ifPresent(candidates::add);
        for (String name : run.checkpointsNewestFirst()) {
            if (!candidates.contains(name)) {
                candidates.add(name);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        for (String name : candidates) {
            Checkpoint checkpoint;
            try {
                checkpoint = run.load(name, true);
            } catch (UserError e) {
                LOG.warn("skipping damaged checkpoint {}: {}", name, e.getMessage());
                continue;
            }
            List<String> differences = config.differencesFrom(checkpoint.meta().train());
            if (!differences.isEmpty()) {
                throw new UserError("cannot resume " + run.uri() + ": it was trained with "
                        + String.join(", ", differences) + "; use the same settings, or --overwrite");
            }
            LOG.info("resuming from {}", name);
            return checkpoint;
        }
        throw new UserError("cannot resume: " + run.uri() + " has no readable checkpoint; start over with"
                + " --overwrite");
    }

    /** A resumed run whose epochs are all done has nothing to do (exit code 3), which nightly jobs report. */
    private static void checkWorkLeft(TrainConfig config, io.charrnn.checkpoint.CheckpointMeta meta) {
        Progress p = meta.progress();
        if (p.epoch() >= config.epochs()) {
            throw new NothingToDo(config.output() + " has finished " + p.epoch() + " of " + config.epochs()
                    + " epochs (validation loss " + String.format(Locale.ROOT, "%.4f", p.valLoss())
                    + "); raise --epochs to train further");
        }
        // A run that --patience stopped is done too, unless this job starts a cycle of its own (see the schedule).
        if (meta.schedule() != null && LearningRateSchedule.of(config, p.epochFraction(), meta.schedule())
                .stoppedEarlyBy(p.epochFraction())) {
            throw new NothingToDo(String.format(Locale.ROOT, "%s stopped early at epoch %.2f: %d validations in a"
                    + " row brought no new best (best %.4f); raise --epochs or give --max-minutes to train further",
                    config.output(), p.epochFraction(), meta.schedule().stalled(), meta.schedule().best()));
        }
    }

    /** The format first: a corpus listing recognizes a run's directory by it (CorpusFiles). */
    private static void writeRunFile(RunDirectory run, TrainConfig config) {
        Map<String, Object> runFile = new LinkedHashMap<>();
        runFile.put("format", "charrnn-run");
        runFile.put("version", 1);
        runFile.put("config", config);
        runFile.put("versions", BuildInfo.versions());
        run.writeText(RunDirectory.RUN_FILE, Json.write(runFile) + "\n");
    }

    private static void checkNotAFile(RunDirectory run, String output) {
        if (run.isFile()) {
            throw new UserError("--output " + output + " is a file; give a directory for the run");
        }
    }

    private static TrainConfig configOf(String runJson) {
        try {
            JsonNode config = Json.mapper().readTree(runJson).get("config");
            return config == null ? null : Json.mapper().treeToValue(config, TrainConfig.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
