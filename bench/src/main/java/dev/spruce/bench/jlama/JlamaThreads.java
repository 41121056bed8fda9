package dev.spruce.bench.jlama;

import com.github.tjake.jlama.util.PhysicalCoreExecutor;

import java.util.concurrent.ForkJoinPool;

/**
 * Fixes the number of threads Jlama computes with. Jlama runs its matrix products and attention on
 * the fork-join pool of its {@code PhysicalCoreExecutor} (default: half the logical cores, at least
 * 2; the calling thread waits), and the activation loop of its MLP on the common fork-join pool
 * together with the calling thread. Both must be sized before Jlama first uses them.
 */
public final class JlamaThreads {

    /** The system property that sizes the common fork-join pool; it is read once, at JVM start-up. */
    public static final String COMMON_POOL_PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private JlamaThreads() {
    }

    /**
     * The JVM option that gives the common pool {@code threads - 1} workers (at least 1, its
     * minimum), so that with the caller it uses {@code threads}.
     */
    public static String commonPoolOption(int threads) {
        return "-D" + COMMON_POOL_PROPERTY + "=" + Math.max(threads - 1, 1);
    }

    /**
     * Sizes Jlama's executor to {@code threads} and checks the common pool was sized by
     * {@link #commonPoolOption(int)}.
     *
     * @throws IllegalStateException when Jlama's executor has already started, or the common pool
     *                               has another size
     */
    public static void fix(int threads) {
        if (threads < 1 || threads > Runtime.getRuntime().availableProcessors()) {
            throw new IllegalArgumentException("threads must be 1 to " + Runtime.getRuntime().availableProcessors()
                    + ", got " + threads);
        }
        PhysicalCoreExecutor.overrideThreadCount(threads);
        int executor = PhysicalCoreExecutor.instance.get().getCoreCount();
        if (executor != threads) {
            throw new IllegalStateException("Jlama's executor has " + executor + " threads, not " + threads);
        }
        int common = ForkJoinPool.getCommonPoolParallelism();
        if (common != Math.max(threads - 1, 1)) {
            throw new IllegalStateException("the common fork-join pool has " + common + " workers; start the JVM with "
                    + commonPoolOption(threads));
        }
    }
}
