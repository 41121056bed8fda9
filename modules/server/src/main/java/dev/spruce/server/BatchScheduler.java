package dev.spruce.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.spruce.model.BatchDecoder;
import dev.spruce.model.Engine;
import dev.spruce.model.Session;
import dev.spruce.model.generation.Generation;
import dev.spruce.model.tokenizer.Tokenizer;

/**
 * Continuous batching: one thread owns the model and loops over [admit waiting jobs (prefill each,
 * sample its first token) → one batched decode step for every running sequence → sample each, stream
 * its text, retire the finished ones]. Sequences join and leave between steps, so a new request
 * waits at most one step plus the prefills ahead of it, and every step reads the weights once for
 * all running sequences.
 *
 * <p>Waiting jobs sit in a bounded queue; {@link #submit} refuses with 429 when it is full. A
 * cancelled job (its client went away) is dropped from the queue at once and from the batch at the
 * next step, and its session is closed then, so its KV cache is released.
 */
final class BatchScheduler implements AutoCloseable {

    /** How long the idle loop sleeps before looking at the closed flag again. */
    private static final long IDLE_POLL_MILLIS = 200;

    private final Engine engine;
    private final Tokenizer tokenizer;
    private final BatchDecoder decoder;
    private final ArrayBlockingQueue<GenerationJob> queue;
    private final ServerMetrics metrics;
    private final List<ActiveSequence> active = new ArrayList<>();
    private final Thread thread;
    private volatile int activeCount;
    private volatile long kvBytes;
    private volatile boolean closed;

    BatchScheduler(Engine engine, int maxBatch, int maxQueue, ServerMetrics metrics) {
        this.engine = engine;
        this.tokenizer = engine.tokenizer();
        this.decoder = BatchDecoder.of(engine, maxBatch);
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.metrics = metrics;
        metrics.watch(this::queued, () -> activeCount, () -> kvBytes);
        this.thread = new Thread(this::loop, "spruce-batcher");
        thread.start();
    }

    /**
     * Queues {@code job}.
     *
     * @throws ApiException 429 with a retry hint when the queue is full, 503 when the server is closing
     */
    void submit(GenerationJob job) {
        if (closed) {
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        if (!queue.offer(job)) {
            throw new ApiException(429, "rate_limit_exceeded", null, "queue_full", "the server is busy: "
                    + activeCount + " generations are running and " + queue.size()
                    + " are waiting, the most it takes; retry shortly");
        }
    }

    /** Abandons {@code job}: it leaves the queue now, or the batch at the next step. */
    void cancel(GenerationJob job) {
        job.cancel();
        queue.remove(job);
    }

    long queued() {
        return queue.size();
    }

    long activeSequences() {
        return activeCount;
    }

    long kvCacheBytes() {
        return kvBytes;
    }

    private void loop() {
        while (!closed) {
            try {
                admit();
                if (active.isEmpty()) {
                    long t0 = System.nanoTime();
                    GenerationJob job = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    metrics.schedulerTime("idle", System.nanoTime() - t0);
                    if (job != null) {
                        start(job);
                    }
                } else {
                    step();
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | OutOfMemoryError e) {
                // A step failed as a whole: end every running sequence with the reason, keep serving.
                for (ActiveSequence s : active) {
                    fail(s.job, e);
                    s.session.close();
                }
                active.clear();
            }
            publish();
        }
        for (ActiveSequence s : active) {
            s.job.listener().failed("the server is shutting down");
            s.session.close();
        }
        active.clear();
        for (GenerationJob job; (job = queue.poll()) != null; ) {
            job.listener().failed("the server is shutting down");
        }
        publish();
    }

    /** Fills free places in the batch from the queue. */
    private void admit() {
        while (active.size() < decoder.maxBatch()) {
            GenerationJob job = queue.poll();
            if (job == null) {
                return;
            }
            start(job);
            publish();
        }
    }

    /** Prefills {@code job}'s prompt in a new session and samples its first token. */
    private void start(GenerationJob job) {
        if (job.cancelled()) {
            return;
        }
        long t0 = System.nanoTime();
        Session session = engine.newSession();
        metrics.schedulerTime("admission", System.nanoTime() - t0);
        try {
            Generation generation = new Generation(tokenizer, session.kernels(), job.request(), session.maxPositions(),
                    piece -> {
                        if (job.cancelled()) {
                            return false;
                        }
                        job.listener().text(piece);
                        return true;
                    });
            ActiveSequence s = new ActiveSequence(job, session, generation);
            int[] prompt = job.request().prompt();
            long t1 = System.nanoTime();
            float[] logits = session.forward(prompt, 0, prompt.length, false);
            long t2 = System.nanoTime();
            metrics.schedulerTime("prefill", t2 - t1);
            s.nextToken = generation.next(logits, session.vocabSize());
            metrics.schedulerTime("sampling", System.nanoTime() - t2);
            s.lastTokenNanos = System.nanoTime();
            metrics.firstToken(s.lastTokenNanos - job.arrivalNanos());
            if (s.nextToken < 0) {
                retire(s);
            } else {
                active.add(s);
            }
        } catch (RuntimeException e) {
            session.close();
            fail(job, e);
        }
    }

    /** One decode step for every running sequence. */
    private void step() {
        for (Iterator<ActiveSequence> it = active.iterator(); it.hasNext(); ) {
            ActiveSequence s = it.next();
            if (s.job.cancelled()) {
                s.generation.cancel();
                it.remove();
                retire(s);
            }
        }
        if (active.isEmpty()) {
            return;
        }
        int batch = active.size();
        List<Session> sessions = new ArrayList<>(batch);
        int[] tokens = new int[batch];
        for (int b = 0; b < batch; b++) {
            sessions.add(active.get(b).session);
            tokens[b] = active.get(b).nextToken;
        }
        long t0 = System.nanoTime();
        float[] logits = decoder.decode(sessions, tokens);
        long t1 = System.nanoTime();
        metrics.schedulerTime("forward", t1 - t0);
        metrics.decodeStep(batch);
        int vocab = decoder.vocabSize();
        long now = System.nanoTime();
        List<ActiveSequence> done = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            ActiveSequence s = active.get(b);
            s.nextToken = s.generation.next(Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab), vocab);
            metrics.interToken(now - s.lastTokenNanos);
            s.lastTokenNanos = now;
            if (s.nextToken < 0) {
                done.add(s);
            }
        }
        active.removeAll(done);
        done.forEach(this::retire);
        metrics.schedulerTime("sampling", System.nanoTime() - t1);
    }

    /** Reports a finished (or cancelled) generation and frees its session. */
    private void retire(ActiveSequence s) {
        s.session.close();
        var result = s.generation.result();
        metrics.finished(result.promptTokens(), result.generatedTokens(), s.job.cancelled());
        s.job.listener().finished(result);
    }

    private void fail(GenerationJob job, Throwable e) {
        job.listener().failed("generation failed: " + e.getMessage());
    }

    /** Updates the gauges other threads read. */
    private void publish() {
        activeCount = active.size();
        long bytes = 0;
        for (ActiveSequence s : active) {
            bytes += s.session.cache().bytes();
        }
        kvBytes = bytes;
    }

    /** Stops the loop; running and waiting generations end with an error event. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
