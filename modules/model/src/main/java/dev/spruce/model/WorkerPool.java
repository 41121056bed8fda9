package dev.spruce.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split one range of work at a time into equal contiguous chunks.
 * Made for the forward pass, which hands out hundreds of short parallel regions per token: workers
 * spin briefly between regions (a hand-off costs about a microsecond, against tens for an
 * executor) and park when idle.
 *
 * <p>Chunks are claimed, not assigned: the caller and the workers take the next unclaimed chunk
 * until none is left. Normally each takes one, but when a worker is descheduled (another process
 * has the core), the caller does its chunk instead of waiting for it. Static equal chunks suit the
 * bandwidth-bound matrix kernels, whose rows all cost the same. Regions do not nest, and one
 * region runs at a time: {@link #forRange} is synchronized.
 */
public final class WorkerPool implements AutoCloseable {

    /** The body of a parallel region: handles {@code [start, end)} as thread {@code worker} (0 = caller). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    /** Spin iterations before an idle worker parks: roughly 100 µs of {@link Thread#onSpinWait()}. */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger doneChunks = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int size;
    private volatile int generation;
    private volatile Throwable failure;
    private volatile boolean closed;

    private WorkerPool(int threads) {
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** A pool of {@code threads} threads in all, counting the caller's. */
    public static WorkerPool create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new WorkerPool(threads);
    }

    /** The number of cores the JVM may use: the default thread count. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Threads in all, counting the caller's. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into {@link #threads()} contiguous chunks and
     * returns when all are done; an exception in any chunk is rethrown here.
     */
    public synchronized void forRange(int n, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("the worker pool is closed");
        }
        if (threads == 1 || n < 2) {
            if (n > 0) {
                task.run(0, n, 0);
            }
            return;
        }
        this.task = task;
        this.size = n;
        this.failure = null;
        doneChunks.set(0);
        nextChunk.set(0);   // publishes task and size to any thread that claims a chunk
        generation++;
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        runChunks(0);
        for (int spins = 0; doneChunks.get() < threads; spins++) {
            // A chunk claimed by a worker that lost its core: stop burning ours while it finishes.
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Claims and runs chunks until none is left. */
    private void runChunks(int worker) {
        for (int c; (c = nextChunk.getAndIncrement()) < threads; ) {
            int n = size;
            try {
                int start = chunkEnd(n, c - 1);
                int end = chunkEnd(n, c);
                if (start < end) {
                    task.run(start, end, worker);
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                doneChunks.incrementAndGet();
            }
        }
    }

    private int chunkEnd(int n, int chunk) {
        return chunk < 0 ? 0 : (int) ((long) n * (chunk + 1) / threads);
    }

    /** Stops the workers; regions already running finish first. */
    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "spruce-worker-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            int seen = 0;
            while (true) {
                int g;
                int spins = 0;
                while ((g = generation) == seen) {
                    if (closed) {
                        return;
                    }
                    if (spins < SPINS) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (generation == seen && !closed) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = g;
                runChunks(index);
            }
        }
    }
}
