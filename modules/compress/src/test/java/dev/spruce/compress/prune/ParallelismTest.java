package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class ParallelismTest {

    @Test
    void runsEveryItemOnceAndRethrowsTheFirstFailure() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Parallelism parallel = new Parallelism(pool, 3);
            AtomicIntegerArray hits = new AtomicIntegerArray(101);
            parallel.forEach(101, i -> hits.incrementAndGet(i));
            for (int i = 0; i < 101; i++) {
                assertEquals(1, hits.get(i), "item " + i);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> parallel.forEach(10, i -> {
                if (i == 7) {
                    throw new IllegalStateException("item 7");
                }
            }));
            assertEquals("item 7", e.getMessage());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aSaturatedExecutorNeverBlocksTheCaller() {
        // an executor that never runs anything: the caller does all items and returns
        Parallelism stuck = new Parallelism(task -> { }, 4);
        int[] sum = new int[1];
        stuck.forEach(50, i -> sum[0] += i);
        assertEquals(49 * 50 / 2, sum[0]);
    }
}
