package dev.spruce.compress.prune;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Where the pruners' parallel loops run: an executor the caller owns and sizes to the cores, and
 * how many workers to use at most (the calling thread is one of them). Items are handed out one at
 * a time, so uneven items (the triangle of a Hessian) balance themselves.
 *
 * <p>The caller waits for the <em>items</em>, not for the helpers to start: if the executor is
 * busy, the calling thread does all the work and late helpers find nothing left, so a loop never
 * deadlocks on a saturated pool.
 *
 * @param executor runs the helpers; never the common pool unless the caller chooses it
 * @param threads  workers including the caller, at least 1
 */
public record Parallelism(Executor executor, int threads) {

    /** Everything on the calling thread. */
    public static final Parallelism SERIAL = new Parallelism(Runnable::run, 1);

    public Parallelism {
        if (executor == null) {
            throw new IllegalArgumentException("an executor is required (use Parallelism.SERIAL for none)");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /**
     * Runs {@code body.accept(i)} once for every {@code i} in {@code [0, count)}, in no particular
     * order, and returns when all have finished; the first exception thrown is rethrown then.
     */
    public void forEach(int count, IntConsumer body) {
        if (threads == 1 || count <= 1) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CompletableFuture<Void> allDone = new CompletableFuture<>();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                if (finished.incrementAndGet() == count) {
                    allDone.complete(null);
                }
            }
        };
        int helpers = Math.min(threads, count) - 1;
        for (int h = 0; h < helpers; h++) {
            try {
                executor.execute(worker);
            } catch (RejectedExecutionException e) {
                break; // the calling thread does the rest
            }
        }
        worker.run();
        allDone.join();
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }
}
