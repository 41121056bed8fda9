package dev.spruce.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split one range of work at a time into equal contiguous chunks, the
 * calling thread taking the first. Made for the forward pass, which hands out hundreds of short
 * parallel regions per token: workers spin briefly between regions (a hand-off costs about a
 * microsecond, against tens for an executor) and park when idle.
 *
 * <p>Static equal chunks suit the bandwidth-bound matrix kernels, whose rows all cost the same.
 * Regions do not nest, and one region runs at a time: {@link #forRange} is synchronized.
 */
public final class WorkerPool implements AutoCloseable {

    /** The body of a parallel region: handles {@code [start, end)} as worker {@code worker} (0 = caller). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    /** Spin iterations before an idle worker parks: roughly 100 µs of {@link Thread#onSpinWait()}. */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
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
        remaining.set(workers.length);
        generation++;
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        Throwable mine = null;
        try {
            task.run(0, chunkEnd(n, 0), 0);
        } catch (Throwable t) {
            mine = t;
        }
        for (int spins = 0; remaining.get() != 0; spins++) {
            // On an oversubscribed machine the worker may be descheduled: stop burning its core.
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        this.task = null;
        Throwable theirs = failure;
        if (mine != null || theirs != null) {
            Throwable first = mine != null ? mine : theirs;
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(first);
        }
    }

    private int chunkEnd(int n, int chunk) {
        return (int) ((long) n * (chunk + 1) / threads);
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
                int n = size;
                try {
                    int start = chunkEnd(n, index - 1);
                    int end = chunkEnd(n, index);
                    if (start < end) {
                        task.run(start, end, index);
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    remaining.decrementAndGet();
                }
            }
        }
    }
}
