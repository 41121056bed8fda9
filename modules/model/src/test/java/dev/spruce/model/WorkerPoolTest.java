package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexIsCoveredExactlyOnceAcrossManyRegions() {
        try (WorkerPool pool = WorkerPool.create(3)) {
            for (int n : new int[] {0, 1, 2, 3, 7, 100, 4099}) {
                for (int rep = 0; rep < 200; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    pool.forRange(n, (start, end, worker) -> {
                        assertTrue(worker >= 0 && worker < 3);
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "index " + i + " of " + n);
                    }
                }
            }
        }
    }

    @Test
    void aFailureInAnyChunkReachesTheCaller() {
        try (WorkerPool pool = WorkerPool.create(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forRange(10, (s, end, w) -> {
                if (end == 10) {
                    throw new IllegalStateException("boom in the last chunk");
                }
            }));
            assertEquals("boom in the last chunk", e.getMessage());
            int[] sum = {0};
            pool.forRange(1, (s, end, w) -> sum[0] += end - s);
            assertEquals(1, sum[0], "the pool still works after a failure");
        }
    }

    @Test
    void aClosedPoolRefusesWork() {
        WorkerPool pool = WorkerPool.create(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(4, (s, e, w) -> { }));
    }
}
