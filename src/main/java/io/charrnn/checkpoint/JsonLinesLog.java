package io.charrnn.checkpoint;

import io.charrnn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JSON-lines file in a run directory ({@code metrics.jsonl}, {@code samples.jsonl}): one object per line, each
 * with a {@code round}. Lines are appended (rewriting the whole file every round would cost time quadratic in the
 * run's length); a job killed in the middle of an append leaves at most a torn last line, which the next run drops
 * together with the rounds after its checkpoint, in one atomic rewrite. On object stores, which cannot append, the
 * file is uploaded whole each round ({@link AtomicDirectory#appendText}).
 */
public final class JsonLinesLog {
    private final RunDirectory run;
    private final String file;

    public JsonLinesLog(RunDirectory run, String file) {
        this.run = run;
        this.file = file;
    }

    /** The existing log of a resumed run, cut back to the rounds its checkpoint had completed. */
    public static JsonLinesLog resume(RunDirectory run, String file, long upToRound) {
        String old = run.readText(file).orElse("");
        StringBuilder kept = new StringBuilder();
        for (String line : old.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = Json.mapper().readTree(line);
                if (node.path("round").asLong(Long.MAX_VALUE) <= upToRound) {
                    kept.append(line).append('\n');
                }
            } catch (IOException e) {
                // A line that does not parse cannot be trusted; the rounds after the checkpoint are redone anyway.
            }
        }
        if (!kept.toString().equals(old)) {
            run.writeText(file, kept.toString());
        }
        return new JsonLinesLog(run, file);
    }

    /**
     * {@code record} in place of the line of its round (the run's last), so that every round keeps one line: for a
     * round whose checkpoint comes after its line was written (the run ends after it: a cancel, the budget).
     */
    public void replaceLast(Map<String, Object> record) {
        resume(run, file, ((Number) record.get("round")).longValue() - 1);
        append(record);
    }

    public void append(Map<String, Object> record) {
        run.appendText(file, Json.write(record) + "\n");
    }

    /** Every parseable line of a log; a missing file is an empty list. */
    public static List<JsonNode> read(RunDirectory run, String file) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : run.readText(file).orElse("").split("\n")) {
            if (!line.isBlank()) {
                try {
                    nodes.add(Json.mapper().readTree(line));
                } catch (IOException e) {
                    // Skip a damaged line; the rest of the log is still worth showing.
                }
            }
        }
        return nodes;
    }
}
