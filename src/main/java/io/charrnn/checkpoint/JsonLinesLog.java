package io.charrnn.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JSON-lines file in a run directory ({@code metrics.jsonl}, {@code samples.jsonl}): one object per line, each
 * with a {@code round}. The whole file is rewritten atomically on every append (these files are small), because
 * Hadoop filesystems cannot all append and a torn last line would break readers.
 */
public final class JsonLinesLog {
    private final RunDirectory run;
    private final String file;
    private final List<String> lines;

    public JsonLinesLog(RunDirectory run, String file) {
        this(run, file, new ArrayList<>());
    }

    private JsonLinesLog(RunDirectory run, String file, List<String> lines) {
        this.run = run;
        this.file = file;
        this.lines = lines;
    }

    /** The existing log of a resumed run, cut back to the rounds its checkpoint had completed. */
    public static JsonLinesLog resume(RunDirectory run, String file, long upToRound) {
        List<String> kept = new ArrayList<>();
        for (String line : run.readText(file).orElse("").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = Json.mapper().readTree(line);
                if (node.path("round").asLong(Long.MAX_VALUE) <= upToRound) {
                    kept.add(line);
                }
            } catch (IOException e) {
                // A line that does not parse cannot be trusted; the rounds after the checkpoint are redone anyway.
            }
        }
        return new JsonLinesLog(run, file, kept);
    }

    public void append(Map<String, Object> record) {
        lines.add(Json.write(record));
        run.writeText(file, String.join("\n", lines) + "\n");
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
