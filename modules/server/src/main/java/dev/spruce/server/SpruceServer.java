package dev.spruce.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.Engine;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

/**
 * The OpenAI-compatible server of one loaded model: {@code GET /v1/models},
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (streamed or not),
 * {@code GET /health}, {@code GET /metrics} (Prometheus) and a chat page at {@code /}. Generation runs
 * on a {@link BatchScheduler} (continuous batching); HTTP is Javalin on Jetty.
 *
 * <p>Nothing a client sends names a file: the page is a class-path resource read at start, and the
 * model's files were read when the engine opened, so no request can read a file at all.
 */
public final class SpruceServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The paths that get their own label in the request counter (anything else counts as "other"). */
    private static final Set<String> ENDPOINTS = Set.of("/", "/health", "/metrics", "/v1/models", "/v1/completions",
            "/v1/chat/completions");

    private final Javalin app;
    private final BatchScheduler scheduler;

    private SpruceServer(Javalin app, BatchScheduler scheduler) {
        this.app = app;
        this.scheduler = scheduler;
    }

    /**
     * Starts serving {@code engine} (which the caller keeps and closes after this server).
     *
     * @throws IllegalArgumentException if the attention settings do not fit the model (checked by
     *                                  making one session with them before anything starts)
     * @throws io.javalin.util.JavalinBindException if the address is taken
     */
    public static SpruceServer start(Engine engine, ServerOptions options) {
        engine.newSession(options.attention()).close();
        ServerMetrics metrics = new ServerMetrics();
        BatchScheduler scheduler = new BatchScheduler(engine, options.attention(), options.maxBatch(),
                options.maxQueue(), metrics);
        try {
            PromptEncoder prompts = new PromptEncoder(engine.tokenizer());
            OpenAiRequestParser parser = new OpenAiRequestParser(options.modelId(), engine.context(), prompts);
            byte[] page = resource("chat.html");
            long created = System.currentTimeMillis() / 1000;
            Javalin app = Javalin.create(config -> {
                config.showJavalinBanner = false;
                config.startupWatcherEnabled = false;
                // Event streams must leave as written; compression would hold chunks back.
                config.http.disableCompression();
                config.http.maxRequestSize = 4L << 20;
            });
            if (options.apiKey() != null) {
                app.before("/v1/*", new ApiKeyCheck(options.apiKey()));
            }
            app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
            app.get("/health", ctx -> json(ctx, health(options, scheduler)));
            app.get("/metrics", ctx -> {
                ctx.contentType(metrics.contentType());
                metrics.write(ctx.outputStream());
            });
            app.get("/v1/models", ctx -> json(ctx, models(options.modelId(), created)));
            app.post("/v1/completions", new CompletionEndpoint(parser, scheduler, new TextCompletionShape(),
                    options.modelId(), false));
            app.post("/v1/chat/completions", new CompletionEndpoint(parser, scheduler, new ChatCompletionShape(),
                    options.modelId(), true));
            app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.toJson()));
            app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                    ApiException.body(e.getMessage(), "invalid_request_error", null, null)));
            app.exception(Exception.class, (e, ctx) -> {
                System.err.println("spruce serve: internal error on " + ctx.method() + " " + ctx.path() + ": " + e);
                error(ctx, 500, ApiException.body("internal error: " + e.getClass().getSimpleName(), "server_error",
                        null, null));
            });
            app.error(404, ctx -> {
                if (ctx.resultInputStream() == null) {
                    error(ctx, 404, ApiException.body("no such endpoint: " + ctx.method() + " " + ctx.path(),
                            "invalid_request_error", null, "not_found"));
                }
            });
            app.after(ctx -> metrics.request(ENDPOINTS.contains(ctx.path()) ? ctx.path() : "other",
                    ctx.statusCode()));
            app.start(options.host(), options.port());
            return new SpruceServer(app, scheduler);
        } catch (RuntimeException e) {
            scheduler.close();
            throw e;
        }
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return app.port();
    }

    /** Requests waiting for a place in the batch. */
    public long queued() {
        return scheduler.queued();
    }

    /** Sequences being generated. */
    public long activeSequences() {
        return scheduler.activeSequences();
    }

    /** Bytes of KV cache the running sequences hold. */
    public long kvCacheBytes() {
        return scheduler.kvCacheBytes();
    }

    /** Stops accepting connections, then ends running generations. */
    @Override
    public void close() {
        app.stop();
        scheduler.close();
    }

    private static void error(Context ctx, int status, ObjectNode body) {
        if (status == 429) {
            ctx.header("Retry-After", "1");
        }
        json(ctx.status(status), body);
    }

    private static void json(Context ctx, ObjectNode body) {
        try {
            ctx.contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode models(String id, long created) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("object", "list");
        ObjectNode model = root.putArray("data").addObject();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "spruce");
        return root;
    }

    private static ObjectNode health(ServerOptions options, BatchScheduler scheduler) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("status", "ok");
        root.put("model", options.modelId());
        root.put("attention", options.attention().describe());
        root.put("active_sequences", scheduler.activeSequences());
        root.put("queued", scheduler.queued());
        root.put("kv_cache_bytes", scheduler.kvCacheBytes());
        return root;
    }

    private static byte[] resource(String name) {
        try (InputStream in = SpruceServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the server's " + name + " is missing from its jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
