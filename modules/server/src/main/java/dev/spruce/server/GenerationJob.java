package dev.spruce.server;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.spruce.model.generation.GenerationRequest;

/** A request for the {@link BatchScheduler}: what to generate, who hears of it, and whether its client is still there. */
final class GenerationJob {

    private final GenerationRequest request;
    private final JobListener listener;
    private final long arrivalNanos = System.nanoTime();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    GenerationJob(GenerationRequest request, JobListener listener) {
        this.request = request;
        this.listener = listener;
    }

    GenerationRequest request() {
        return request;
    }

    JobListener listener() {
        return listener;
    }

    /** When the request arrived ({@link System#nanoTime()}): time to first token counts from here. */
    long arrivalNanos() {
        return arrivalNanos;
    }

    /** Marks the job abandoned by its client; the scheduler drops it and frees its KV cache at its next step. */
    void cancel() {
        cancelled.set(true);
    }

    boolean cancelled() {
        return cancelled.get();
    }
}
