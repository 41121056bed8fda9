package dev.spruce.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Malformed input and vanishing clients: each bad request gets an OpenAI-shaped 4xx naming the
 * problem, a client that disconnects mid-stream frees its place and KV cache at once, and after all
 * of it the server still answers and its memory is back where it started.
 */
class RobustnessTest {

    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws IOException {
        fixture = ServerFixture.start(null, 4, 8);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static List<Arguments> malformed() {
        String longPrompt = "\"" + "Once upon a time there was a dog. ".repeat(200) + "\"";
        return List.of(
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": ", 400, null),
                Arguments.of("/v1/completions", "not json at all", 400, null),
                Arguments.of("/v1/completions", "", 400, null),
                Arguments.of("/v1/completions", "[1, 2, 3]", 400, null),
                Arguments.of("/v1/completions", "{\"prompt\": \"Hi\"}", 400, "model"),
                Arguments.of("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"Hi\"}", 404, "model"),
                Arguments.of("/v1/completions", "{\"model\": 7, \"prompt\": \"Hi\"}", 400, "model"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\"}", 400, "prompt"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": 12}", 400, "prompt"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": \"ten\"}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": -5}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 0}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 1e12}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 99999999999999999999999}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 511}", 400, "max_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": " + longPrompt + "}", 400, "prompt"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"temperature\": \"hot\"}", 400, "temperature"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"temperature\": -1}", 400, "temperature"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"top_p\": 1.5}", 400, "top_p"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"seed\": 1.5}", 400, "seed"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"stream\": \"yes\"}", 400, "stream"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"stop\": 5}", 400, "stop"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}", 400, "stop"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"n\": 2}", 400, "n"),
                Arguments.of("/v1/chat/completions", "{\"model\": \"stories260K-hf\", \"messages\": \"hi\"}", 400, "messages"),
                Arguments.of("/v1/chat/completions", "{\"model\": \"stories260K-hf\", \"messages\": []}", 400, "messages"),
                Arguments.of("/v1/chat/completions", "{\"model\": \"stories260K-hf\", \"messages\": [{\"content\": \"hi\"}]}", 400, "messages[0]"),
                Arguments.of("/v1/chat/completions", "{\"model\": \"stories260K-hf\", \"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400, "messages[0].content"),
                Arguments.of("/v1/chat/completions", "{\"model\": \"stories260K-hf\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_completion_tokens\": -1}", 400, "max_completion_tokens"),
                Arguments.of("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"" + "x".repeat(5 << 20) + "\"}", 413, null));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedRequestsGetAnOpenAiError(String path, String body, int status, String param) throws Exception {
        HttpResponse<String> r = fixture.post(path, body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = ServerFixture.json(r.body()).get("error");
        assertTrue(error.get("message").asText().length() > 5, r.body());
        assertTrue(error.has("type"), r.body());
        if (param != null) {
            assertEquals(param, error.get("param").asText(), r.body());
        }
    }

    /** Nothing a request names reaches the file system: every path outside the API is a JSON 404. */
    @Test
    void pathsOutsideTheApiAreNotFound() throws Exception {
        for (String path : List.of("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/config.json",
                "/model.safetensors", "/v1/../config.json", "/static/..%2fconfig.json", "/chat.html")) {
            String raw = rawRequest("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1 << 16);
            String status = raw.lines().findFirst().orElse("");
            assertTrue(status.contains(" 404 ") || status.contains(" 400 "), path + " -> " + status);
            assertTrue(!raw.contains("\"architectures\"") && !raw.contains("root:"), path);
        }
        assertEquals(404, fixture.get("/v1/engines").statusCode());
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsPlaceAtOnce() throws Exception {
        String body = "{\"model\": \"stories260K-hf\", \"prompt\": \"Once upon a time\", \"max_tokens\": 500,"
                + " \"temperature\": 1, \"stream\": true}";
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket("127.0.0.1", fixture.server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                int chunks = 0;
                for (String line; chunks < 5 && (line = in.readLine()) != null; ) {
                    if (line.startsWith("data: ")) {
                        chunks++;
                    }
                }
                assertEquals(5, chunks);
                assertEquals(1, fixture.server.activeSequences());
                assertTrue(fixture.server.kvCacheBytes() > 0);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (fixture.server.activeSequences() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, fixture.server.activeSequences(), "the generation was cancelled");
            assertEquals(0, fixture.server.kvCacheBytes(), "its KV cache was released");
        }
        assertTrue(fixture.get("/metrics").body().lines()
                .anyMatch(l -> l.startsWith("spruce_cancelled_generations_total") && !l.endsWith(" 0.0")));
    }

    /** After a barrage of bad requests and abandoned streams the server answers and holds no more memory. */
    @Test
    void theServerStaysUpAndItsMemoryReturnsToBaseline() throws Exception {
        fixture.post("/v1/completions", "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 20}");
        long baseline = usedHeapAfterGc();
        for (int round = 0; round < 3; round++) {
            for (Arguments a : malformed()) {
                fixture.post((String) a.get()[0], (String) a.get()[1]);
            }
            aClientThatDisconnectsMidStreamFreesItsPlaceAtOnce();
        }
        HttpResponse<String> ok = fixture.post("/v1/completions",
                "{\"model\": \"stories260K-hf\", \"prompt\": \"Hi\", \"max_tokens\": 20}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(0, fixture.server.activeSequences());
        assertEquals(0, fixture.server.queued());
        long after = usedHeapAfterGc();
        assertTrue(after - baseline < 32L << 20, "heap grew from " + (baseline >> 20) + " MiB to " + (after >> 20) + " MiB");
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    private static String rawRequest(String request, int limit) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fixture.server.port())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            byte[] reply = socket.getInputStream().readNBytes(limit);
            return new String(reply, StandardCharsets.ISO_8859_1);
        }
    }
}
