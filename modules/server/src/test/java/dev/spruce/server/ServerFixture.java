package dev.spruce.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.Session;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.generation.GenerationRequest;
import dev.spruce.model.generation.Generator;
import dev.spruce.model.sampling.SamplingSettings;

/**
 * A server on stories260K at a free local port, an HTTP client for it, and the reference text of
 * {@code spruce generate} for the same prompt and settings (the same engine options, the same
 * {@link Generator}).
 */
final class ServerFixture implements AutoCloseable {

    static final String MODEL = "stories260K-hf";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Engine engine;
    final AttentionSettings attention;
    final SpruceServer server;
    final String url;
    final String apiKey;
    final HttpClient http = HttpClient.newHttpClient();

    private ServerFixture(Engine engine, AttentionSettings attention, SpruceServer server, String apiKey) {
        this.engine = engine;
        this.attention = attention;
        this.server = server;
        this.url = "http://127.0.0.1:" + server.port();
        this.apiKey = apiKey;
    }

    /** Opens the model as {@code spruce generate --threads 2} does and starts a server on it. */
    static ServerFixture start(String apiKey, int maxBatch, int maxQueue) throws IOException {
        return start(apiKey, maxBatch, maxQueue, 64);
    }

    /** As {@link #start(String, int, int)} with prompts prefilled {@code prefillChunk} tokens per pass. */
    static ServerFixture start(String apiKey, int maxBatch, int maxQueue, int prefillChunk) throws IOException {
        return start(apiKey, maxBatch, maxQueue, prefillChunk, AttentionSettings.DENSE);
    }

    /** As {@link #start(String, int, int, int)} with every request's session made with {@code attention}. */
    static ServerFixture start(String apiKey, int maxBatch, int maxQueue, int prefillChunk, AttentionSettings attention)
            throws IOException {
        Engine engine = Engine.open(SharedData.stories260kHf(), new Engine.Options(2, KvCacheType.F32, 0, prefillChunk));
        try {
            return new ServerFixture(engine, attention, SpruceServer.start(engine,
                    new ServerOptions("127.0.0.1", 0, MODEL, apiKey, maxBatch, maxQueue, attention)), apiKey);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * What {@code spruce generate --no-echo} prints for {@code prompt} (a plain prompt, as the chat
     * fallback makes it), with the server's attention settings.
     */
    String reference(String prompt, int maxTokens, SamplingSettings sampling) {
        int[] ids = engine.tokenizer().encodePrompt(prompt);
        try (Session session = engine.newSession(attention)) {
            int budget = Math.min(maxTokens, session.maxPositions() - ids.length);
            return new Generator(engine.tokenizer()).generate(session,
                    new GenerationRequest(ids, budget, sampling, List.of()), text -> true).text();
        }
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json");
        return apiKey == null ? b : b.header("Authorization", "Bearer " + apiKey);
    }

    static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** The {@code data:} payloads of an event stream, {@code [DONE]} included. */
    static List<String> events(String stream) {
        return stream.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    @Override
    public void close() {
        server.close();
        engine.close();
    }
}
