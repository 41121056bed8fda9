package dev.spruce.bench.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;

/** Fixtures shared by the kernel benchmarks: implementations by name, seeded weights, result checks. */
final class BenchSupport {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BenchSupport() {
    }

    /** {@code "scalar"} or {@code "simd"}, whatever {@code -Dspruce.kernels} says. */
    static Kernels kernels(String impl) {
        return switch (impl) {
            case "scalar" -> KernelProvider.scalar();
            case "simd" -> KernelProvider.simd();
            default -> throw new IllegalArgumentException("impl must be scalar or simd, got " + impl);
        };
    }

    /** Parses a {@code "ROWSxCOLS"} shape parameter. */
    static int[] shape(String shape) {
        String[] parts = shape.split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape must be ROWSxCOLS, got " + shape);
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    static float[] uniform(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /**
     * Native, page-aligned memory owned by {@code arena}, filled with seeded random weights, as a
     * memory-mapped tensor would be (off-heap, never moved by the GC).
     */
    static MemorySegment weights(Arena arena, WeightDtype dtype, long count, long seed) {
        MemorySegment segment = arena.allocate(count * dtype.byteSize(), 4096);
        Random random = new Random(seed);
        for (long i = 0; i < count; i++) {
            float v = random.nextFloat() * 2f - 1f;
            switch (dtype) {
                case F32 -> segment.setAtIndex(F32_LE, i, v);
                case BF16 -> segment.setAtIndex(U16_LE, i, FloatFormats.floatToBf16(v));
                case F16 -> segment.setAtIndex(U16_LE, i, FloatFormats.floatToF16(v));
            }
        }
        return segment;
    }

    /**
     * Throws unless {@code actual} is within a size-scaled tolerance of the scalar twin's
     * {@code expected}: a benchmark of a wrong kernel is worse than none.
     */
    static void check(String what, float[] expected, float[] actual, int termsPerOutput) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-6 * termsPerOutput * Math.max(1, Math.abs(expected[i])) + 1e-6;
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                throw new IllegalStateException(what + ": output " + i + " is " + actual[i] + " but the scalar twin gives "
                        + expected[i]);
            }
        }
    }
}
