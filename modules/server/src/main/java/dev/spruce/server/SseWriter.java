package dev.spruce.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Server-sent events as OpenAI streams them: {@code data: JSON} blocks, flushed one by one, and a
 * final {@code data: [DONE]}. A write to a client that has gone away throws {@link IOException}:
 * that is how a disconnect is noticed.
 */
final class SseWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    void data(JsonNode json) throws IOException {
        send("data: " + JSON.writeValueAsString(json) + "\n\n");
    }

    void done() throws IOException {
        send("data: [DONE]\n\n");
    }

    /** A comment line, ignored by clients: sent while waiting, it finds out whether the client is still there. */
    void keepAlive() throws IOException {
        send(": keep-alive\n\n");
    }

    private void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
