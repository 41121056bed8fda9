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
import dev.spruce.model.WorkerPool;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.generation.Generation;
import dev.spruce.model.tokenizer.Tokenizer;

/**
 * Continuous batching with chunked prefill: one thread owns the model and loops over [admit waiting
 * jobs (a session each) → one forward pass over the next token of every decoding sequence plus up to
 * a prefill chunk of prompt tokens of the sequences still reading their prompts → sample where a
 * token is due, stream its text, retire the finished ones]. Sequences join and leave between passes.
 * A new prompt rides along with the running sequences' decode step instead of stalling them in a
 * prefill of its own, every pass reads the weights once for all its rows, and requests that arrive
 * together get their first tokens from the same pass.
 *
 * <p>Prompts are cut into chunks of the engine's prefill chunk, from their start, as
 * {@link Session#forward} cuts them; a request that runs alone therefore computes what
 * {@code spruce generate} computes.
 *
 * <p>Waiting jobs sit in a bounded queue; {@link #submit} refuses with 429 when it is full. A
 * cancelled job (its client went away) is dropped from the queue at once and from the batch at the
 * next pass, and its session is closed then, so its KV cache is released.
 */
final class BatchScheduler implements AutoCloseable {

    /** How long the idle loop sleeps before looking at the closed flag again. */
    private static final long IDLE_POLL_MILLIS = 200;

    private final Engine engine;
    private final AttentionSettings attention;
    private final Tokenizer tokenizer;
    private final int maxBatch;
    private final int prefillChunk;
    private final BatchDecoder decoder;
    private final WorkerPool pool;
    private final ArrayBlockingQueue<GenerationJob> queue;
    private final ServerMetrics metrics;
    private final List<ActiveSequence> active = new ArrayList<>();
    private final Thread thread;
    private volatile int activeCount;
    private volatile long kvBytes;
    private volatile boolean closed;

    /** @param attention how each job's session attends (its cache is made from these settings) */
    BatchScheduler(Engine engine, AttentionSettings attention, int maxBatch, int maxQueue, ServerMetrics metrics) {
        this.engine = engine;
        this.attention = attention;
        this.tokenizer = engine.tokenizer();
        this.maxBatch = maxBatch;
        this.prefillChunk = engine.options().prefillChunk();
        this.decoder = BatchDecoder.of(engine, maxBatch + prefillChunk);
        this.pool = engine.transformer().pool();
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
                // A pass failed as a whole: end every admitted sequence with the reason, keep serving.
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
        while (active.size() < maxBatch) {
            GenerationJob job = queue.poll();
            if (job == null) {
                return;
            }
            start(job);
            publish();
        }
    }

    /** Gives {@code job} a session; its prompt goes through in the next passes. */
    private void start(GenerationJob job) {
        if (job.cancelled()) {
            return;
        }
        long t0 = System.nanoTime();
        Session session;
        try {
            session = engine.newSession(attention);
        } catch (RuntimeException | OutOfMemoryError e) {
            // This job's cache does not fit (memory): it fails alone, the running sequences go on.
            fail(job, e);
            metrics.schedulerTime("admission", System.nanoTime() - t0);
            return;
        }
        try {
            Generation generation = new Generation(tokenizer, session.kernels(), job.request(), session.maxPositions(),
                    piece -> {
                        if (job.cancelled()) {
                            return false;
                        }
                        job.listener().text(piece);
                        return true;
                    });
            active.add(new ActiveSequence(job, session, generation));
        } catch (RuntimeException e) {
            session.close();
            fail(job, e);
        }
        metrics.schedulerTime("admission", System.nanoTime() - t0);
    }

    /**
     * One forward pass: a row for every decoding sequence, then prompt chunks of the sequences still
     * prefilling, oldest first, up to {@link #prefillChunk} prompt tokens in all; then a token is
     * sampled for every decoding sequence and for every prompt that is now in.
     */
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
        List<Session> rows = new ArrayList<>(maxBatch + prefillChunk);
        List<ActiveSequence> sampled = new ArrayList<>(maxBatch);
        int[] tokens = new int[maxBatch + prefillChunk];
        boolean[] logitsFor = new boolean[maxBatch + prefillChunk];
        int decoding = 0;
        for (ActiveSequence s : active) {
            if (s.decoding()) {
                logitsFor[rows.size()] = true;
                tokens[rows.size()] = s.nextToken;
                rows.add(s.session);
                sampled.add(s);
                decoding++;
            }
        }
        int budget = prefillChunk;
        for (ActiveSequence s : active) {
            s.chunk = 0;
            if (!s.decoding() && budget > 0) {
                // Chunks start at multiples of the prefill chunk, where Session.forward starts them.
                int chunkEnd = Math.min(s.prompt.length, (s.prefilled / prefillChunk + 1) * prefillChunk);
                s.chunk = Math.min(budget, chunkEnd - s.prefilled);
                for (int i = 0; i < s.chunk; i++) {
                    tokens[rows.size()] = s.prompt[s.prefilled + i];
                    rows.add(s.session);
                }
                budget -= s.chunk;
                if (s.prefilled + s.chunk == s.prompt.length) {
                    logitsFor[rows.size() - 1] = true;
                    sampled.add(s);
                }
            }
        }
        long t0 = System.nanoTime();
        float[] logits = decoder.forward(rows, tokens, logitsFor);
        long t1 = System.nanoTime();
        metrics.schedulerTime("forward", t1 - t0);
        metrics.forwardPass(decoding, rows.size() - decoding);
        for (ActiveSequence s : active) {
            s.prefilled += s.chunk;
        }
        // Sampling a 49k vocabulary takes about a millisecond per sequence; the pool's other threads
        // would idle meanwhile, so the sequences are shared out (each generation is touched by one
        // thread; the tokenizer, the listeners and the metrics are thread-safe).
        int vocab = decoder.vocabSize();
        pool.forRange(sampled.size(), (start, end, worker) -> {
            for (int i = start; i < end; i++) {
                ActiveSequence s = sampled.get(i);
                boolean first = s.generation.generatedTokens() == 0;
                s.nextToken = s.generation.next(Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab), vocab);
                long now = System.nanoTime();
                if (first) {
                    metrics.firstToken(now - s.job.arrivalNanos());
                } else {
                    metrics.interToken(now - s.lastTokenNanos);
                }
                s.lastTokenNanos = now;
            }
        });
        List<ActiveSequence> done = new ArrayList<>();
        for (ActiveSequence s : sampled) {
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
        // The gauges first (the caller has taken s out of the batch): a client that sees its reply
        // must not find its sequence still counted.
        publish();
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
