package dev.spruce.server;

import java.io.IOException;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spruce.model.generation.GenerationResult;
import dev.spruce.model.generation.StopReason;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * {@code POST /v1/completions} or {@code /v1/chat/completions}: checks the request, queues it on the
 * {@link BatchScheduler} and answers with the whole text, or streams it as server-sent events while
 * the tokens come. A streaming client that goes away cancels its generation: the next write fails
 * (a keep-alive comment goes out every second while nothing else does, also while queued).
 */
final class CompletionEndpoint implements Handler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long KEEP_ALIVE_MILLIS = 1000;

    private final OpenAiRequestParser parser;
    private final BatchScheduler scheduler;
    private final ResponseShape shape;
    private final String modelId;
    private final boolean chat;

    CompletionEndpoint(OpenAiRequestParser parser, BatchScheduler scheduler, ResponseShape shape, String modelId,
                       boolean chat) {
        this.parser = parser;
        this.scheduler = scheduler;
        this.shape = shape;
        this.modelId = modelId;
        this.chat = chat;
    }

    @Override
    public void handle(Context ctx) throws Exception {
        OpenAiRequest request = parser.parse(ctx.bodyAsBytes(), chat);
        JobEvents events = new JobEvents();
        GenerationJob job = new GenerationJob(request.generation(), events);
        scheduler.submit(job);
        var envelope = new ResponseShape.Envelope(shape.idPrefix() + "-" + UUID.randomUUID().toString().replace("-", ""),
                System.currentTimeMillis() / 1000, modelId);
        try {
            if (request.stream()) {
                stream(ctx, events, envelope, request.includeUsage());
            } else {
                whole(ctx, events, envelope);
            }
        } catch (IOException | InterruptedException e) {
            // The client went away (or the server is stopping): free its place and its KV cache now.
            scheduler.cancel(job);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            // Done, failed or abandoned: either way the job must not keep a place in the batch.
            scheduler.cancel(job);
        }
    }

    private void whole(Context ctx, JobEvents events, ResponseShape.Envelope envelope) throws InterruptedException,
            IOException {
        while (true) {
            JobEvent event = events.next(KEEP_ALIVE_MILLIS);
            switch (event) {
                case null -> { }
                case JobEvent.Text t -> { }
                case JobEvent.Finished f -> {
                    ctx.contentType("application/json").result(JSON.writeValueAsString(shape.whole(envelope, f.result())));
                    return;
                }
                case JobEvent.Failed f -> throw new ApiException(500, "server_error", null, null, f.message());
            }
        }
    }

    private void stream(Context ctx, JobEvents events, ResponseShape.Envelope envelope, boolean includeUsage)
            throws IOException, InterruptedException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        ctx.res().flushBuffer();   // the headers go now: the client knows it was accepted, even while queued
        SseWriter sse = new SseWriter(ctx.res().getOutputStream());
        var opening = shape.opening(envelope);
        if (opening != null) {
            sse.data(opening);
        }
        while (true) {
            JobEvent event = events.next(KEEP_ALIVE_MILLIS);
            switch (event) {
                case null -> sse.keepAlive();
                case JobEvent.Text t -> sse.data(shape.chunk(envelope, t.piece(), null));
                case JobEvent.Finished f -> {
                    GenerationResult r = f.result();
                    if (r.reason() == StopReason.CANCELLED) {
                        return;
                    }
                    sse.data(shape.chunk(envelope, null, OpenAiJson.finishReason(r)));
                    if (includeUsage) {
                        sse.data(shape.usage(envelope, r));
                    }
                    sse.done();
                    return;
                }
                case JobEvent.Failed f -> {
                    sse.data(ApiException.body(f.message(), "server_error", null, null));
                    sse.done();
                    return;
                }
            }
        }
    }
}
