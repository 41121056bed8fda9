package dev.spruce.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.spruce.model.Engine;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.server.ServerOptions;
import dev.spruce.server.SpruceServer;
import io.javalin.util.JavalinBindException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce serve}: the OpenAI-compatible HTTP server with a chat page. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a model over HTTP with OpenAI's API until interrupted (Ctrl-C): GET /v1/models,"
                + " POST /v1/completions and POST /v1/chat/completions (streamed with \"stream\": true), GET /health,"
                + " GET /metrics (Prometheus text) and a chat page at /.",
                "",
                "Concurrent requests decode together (continuous batching): each step reads the weights once for"
                        + " every running sequence. Requests beyond --max-batch wait in a queue of --max-queue; past"
                        + " that the server answers 429 with Retry-After. A streaming client that disconnects"
                        + " cancels its generation and frees its KV cache.",
                "",
                "Every request's session attends and keeps its keys and values as --attention and --kv say, as in"
                        + " generate (a completion's text is generate's with the same flags)."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 for every"
                    + " interface (then set --api-key).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8000",
            description = "TCP port (0 = any free one, printed at start). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:SPRUCE_API_KEY}",
            description = "Require 'Authorization: Bearer KEY' on every /v1 request (401 otherwise). Default: the"
                    + " SPRUCE_API_KEY environment variable, else no key.")
    String apiKey;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "The model's name in the API (\"model\" in requests, /v1/models). Default: the model"
                    + " directory's name.")
    String modelName;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "16",
            description = "Sequences decoded together at most; each holds a KV cache of --context positions."
                    + " Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64",
            description = "Requests waiting for a place in the batch at most; more get 429. Default: ${DEFAULT-VALUE}.")
    int maxQueue;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    AttentionOptions attentionOptions;

    @Mixin
    SparseWeightOptions sparseWeights;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        String name = modelName != null ? modelName : modelOptions.modelDir().toAbsolutePath().normalize()
                .getFileName().toString();
        AttentionSettings attention = sayFirstNoticeOnly(attentionOptions.settings(modelOptions.mikv(), err));
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, name, apiKey == null || apiKey.isEmpty() ? null : apiKey,
                    maxBatch, maxQueue, attention);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        Engine engine = modelOptions.open(sparseWeights.policy());
        SpruceServer server;
        try {
            server = SpruceServer.start(engine, options);
        } catch (IllegalArgumentException e) {
            engine.close();
            throw new UserInputException(e.getMessage());
        } catch (JavalinBindException e) {
            engine.close();
            throw new UserInputException("cannot listen on " + host + ":" + port + ": " + rootMessage(e));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "spruce-serve-shutdown"));
        err.println(String.format(Locale.ROOT, "spruce serve: http://%s:%d/ serving '%s' (context %d, batch %d,"
                        + " queue %d, %d threads, KV %s, attention %s%s); Ctrl-C stops", host, server.port(), name,
                engine.context(), maxBatch, maxQueue, engine.transformer().pool().threads(),
                modelOptions.kv.name().toLowerCase(Locale.ROOT), attention.describe(),
                options.apiKey() != null ? ", API key required" : ""));
        if (engine.tokenizer().chatTemplate().isEmpty()) {
            err.println("spruce serve: the model has no chat template: chat messages are joined as plain text");
        }
        err.flush();
        stopped.await();
        return ExitCode.OK;
    }

    /**
     * Every request gets its own cache, and each cache says its notices (Double Sparsity attending
     * densely while k covers the context) once: the server says the first once for all of them.
     */
    private static AttentionSettings sayFirstNoticeOnly(AttentionSettings attention) {
        AtomicBoolean said = new AtomicBoolean();
        return attention.withNotices(message -> {
            if (said.compareAndSet(false, true)) {
                attention.notices().accept(message + " (said once for all requests)");
            }
        });
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
