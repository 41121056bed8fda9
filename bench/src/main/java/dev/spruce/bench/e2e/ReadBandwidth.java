package dev.spruce.bench.e2e;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's memory read bandwidth as a decode step sees it: a SIMD sum of floats over an
 * off-heap block far larger than the caches, split into one contiguous slice per thread. This is
 * the denominator of the decode roofline. Owns the block and the threads until closed.
 */
public final class ReadBandwidth implements AutoCloseable {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Four accumulators hide the add latency, so the loop is limited by loads alone. */
    private static final int STEP = 4 * SPECIES.length();
    /** Enough passes over a slice that fits in L2 for C2 to compile {@link #sum} (about 50 ms). */
    private static final long JIT_WARMUP_BYTES = 1 << 20;
    private static final int JIT_WARMUP_PASSES = 2_000;

    private final Arena arena;
    private final MemorySegment block;
    private final int threads;
    private final ExecutorService pool;
    private double sink;

    private ReadBandwidth(Arena arena, MemorySegment block, int threads) {
        this.arena = arena;
        this.block = block;
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bandwidth-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Allocates (and, by zeroing it, touches) a block of {@code bytes} for {@code threads} readers.
     *
     * @param bytes at least 1 GB, so no cache level holds a meaningful part of it
     */
    public static ReadBandwidth allocate(long bytes, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        long sliceAlign = (long) STEP * Float.BYTES * threads;
        long size = bytes / sliceAlign * sliceAlign;
        Arena arena = Arena.ofShared();
        try {
            return new ReadBandwidth(arena, arena.allocate(size, 64), threads);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Bytes read per pass. */
    public long bytes() {
        return block.byteSize();
    }

    public int threads() {
        return threads;
    }

    /**
     * GB/s (10⁹ bytes) of each of {@code repeats} timed passes after {@code warmups} untimed ones.
     * The sum is compiled first on a small slice: interpreted, a pass over the block runs at under
     * 1 GB/s.
     */
    public double[] measure(int warmups, int repeats) {
        MemorySegment small = block.asSlice(0, Math.min(block.byteSize(), JIT_WARMUP_BYTES));
        for (int i = 0; i < JIT_WARMUP_PASSES; i++) {
            sink += sum(small);
        }
        for (int i = 0; i < warmups; i++) {
            pass();
        }
        double[] gbps = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            gbps[i] = pass();
        }
        return gbps;
    }

    /** One pass over the whole block; returns GB/s. */
    private double pass() {
        long slice = block.byteSize() / threads;
        long t0 = System.nanoTime();
        List<Future<Float>> parts = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            MemorySegment s = block.asSlice(t * slice, slice);
            parts.add(pool.submit(() -> sum(s)));
        }
        double total = 0;
        try {
            for (Future<Float> f : parts) {
                total += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring bandwidth", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a bandwidth reader failed", e.getCause());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        sink += total;
        return block.byteSize() / seconds / 1e9;
    }

    /** Sums a slice whose size is a multiple of {@link #STEP} floats. */
    private static float sum(MemorySegment s) {
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
        long stepBytes = (long) SPECIES.vectorByteSize();
        for (long off = 0, end = s.byteSize(); off < end; off += 4 * stepBytes) {
            a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, s, off, ByteOrder.nativeOrder()));
            a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, s, off + stepBytes, ByteOrder.nativeOrder()));
            a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, s, off + 2 * stepBytes, ByteOrder.nativeOrder()));
            a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, s, off + 3 * stepBytes, ByteOrder.nativeOrder()));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Keeps the sums observable so the reads cannot be optimised away; always 0 for a zeroed block. */
    public double checksum() {
        return sink;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        arena.close();
    }
}
