package dev.spruce.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** Shared fixtures for the kernel tests: sizes, seeds, random data, weight segments, tolerances. */
final class TestSupport {

    /** Odd and even sizes around lane counts 4, 8 and 16 plus a few large ones, so every tail runs. */
    static final int[] SIZES = {1, 2, 7, 8, 15, 16, 31, 33, 207, 1021, 4097};

    /** Unit roundoff of float. */
    static final double U = 0x1p-24;

    /**
     * Base seed; override with {@code -Dspruce.test.seed=N} to explore, and rerun a failure with the
     * seed its message prints.
     */
    private static final long BASE_SEED = Long.getLong("spruce.test.seed", 0x5EED_2025L);

    private TestSupport() {
    }

    static IntStream sizes() {
        return IntStream.of(SIZES);
    }

    static long seed(String kernel, int size) {
        return BASE_SEED * 31 + kernel.hashCode() * 1_000_003L + size;
    }

    /** Describes a case for an assertion message, seed included. */
    static String where(String kernel, int size, long seed) {
        return kernel + " size=" + size + " seed=" + seed + " (" + KernelProvider.simd().vectorBits() + "-bit simd)";
    }

    static List<Kernels> implementations() {
        return List.of(KernelProvider.scalar(), KernelProvider.simd());
    }

    static float[] uniform(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /**
     * A native segment holding {@code values} in {@code dtype} (rounded to nearest even for 16-bit
     * types), starting one byte into the allocation so every load is unaligned as in a mapped file.
     */
    static MemorySegment weights(Arena arena, WeightDtype dtype, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * dtype.byteSize() + 1).asSlice(1);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> segment.setAtIndex(ScalarKernels.F32_LE, i, values[i]);
                case BF16 -> segment.setAtIndex(ScalarKernels.U16_LE, i, FloatFormats.floatToBf16(values[i]));
                case F16 -> segment.setAtIndex(ScalarKernels.U16_LE, i, FloatFormats.floatToF16(values[i]));
            }
        }
        return segment;
    }

    /**
     * Bound on the difference of two float dot products of {@code n} terms summed in different
     * orders: each is within {@code n * u * sum|a_i b_i|} of the exact value.
     */
    static double dotTolerance(int n, double sumAbsProducts) {
        return 2 * (n + 1) * U * sumAbsProducts + Float.MIN_NORMAL;
    }

    static double sumAbsProducts(float[] a, int aOffset, float[] b, int bOffset, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.abs((double) a[aOffset + i] * b[bOffset + i]);
        }
        return s;
    }
}
