package io.charrnn.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.charrnn.common.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A running driver's monitoring API (Spark's /api/v1 on its UI's port): which executor runs a task of a given job
 * right now, so that a test kills that executor, not just any, and knows which stage lost a task.
 */
final class DriverApi {
    /** A task running now: its stage and the executor it runs on. */
    record RunningTask(int stage, String executor) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;

    DriverApi(int uiPort) {
        this.base = "http://127.0.0.1:" + uiPort + "/api/v1";
    }

    /** A port free now, for spark.ui.port. */
    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A task running now in a running job whose description starts with {@code description}; empty if none. */
    Optional<RunningTask> runningTask(String description) throws InterruptedException {
        JsonNode apps = get("/applications");
        if (apps == null || apps.isEmpty()) {
            return Optional.empty();
        }
        String app = "/applications/" + apps.get(0).get("id").asText();
        JsonNode jobs = get(app + "/jobs?status=running");
        for (JsonNode job : jobs == null ? Json.mapper().createArrayNode() : jobs) {
            if (!job.path("description").asText("").startsWith(description)) {
                continue;
            }
            for (JsonNode stage : job.get("stageIds")) {
                JsonNode attempts = get(app + "/stages/" + stage.asInt());
                for (JsonNode attempt : attempts == null ? Json.mapper().createArrayNode() : attempts) {
                    if (!"ACTIVE".equals(attempt.path("status").asText())) {
                        continue;
                    }
                    JsonNode tasks = get(app + "/stages/" + stage.asInt() + "/" + attempt.get("attemptId").asInt()
                            + "/taskList?length=10000");
                    for (JsonNode task : tasks == null ? Json.mapper().createArrayNode() : tasks) {
                        if ("RUNNING".equals(task.path("status").asText())) {
                            return Optional.of(new RunningTask(stage.asInt(), task.get("executorId").asText()));
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The answer's JSON, or null while the driver does not answer (not up yet, or gone). */
    private JsonNode get(String path) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
