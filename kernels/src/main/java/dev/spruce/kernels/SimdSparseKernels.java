package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels over {@link SparseMatrix}: the bitmask is read 64 columns at a time, and for each
 * vector of {@code LANES} columns the next {@code LANES} packed values are loaded and
 * {@code expand}ed by that vector's mask bits onto the kept lanes (zeros elsewhere), then
 * multiplied with the activations as in a dense dot product. A 64-column word without kept
 * values is skipped.
 *
 * <p>Alternatives measured on AVX2 (Zen 2, closing note of issue 6): a float permutation table
 * with a two-source {@code selectFrom}, {@code compress} on the activations, a fixed-stride 2:4
 * walk, a 2:4 table of pre-gathered activations, a scalar walk of the set bits, and decoding each
 * row to a dense scratch first. None reached the dense BF16 kernel's single-thread speed (the best
 * ran at about half of it, at 50-90 % sparsity); the best were within about 20 % of {@code expand},
 * which is the simplest and needs no tables. Matrix × batch does decode rows to a dense F32 tile, because there each decoded row is
 * reused by every batch item ({@link SimdDenseKernels#matmulWidened}).
 *
 * <p>A vector load reads up to {@code LANES - 1} values past a row's last one; rows for which that
 * would leave the values segment (the last rows of a memory-mapped tensor) run the scalar twin.
 */
final class SimdSparseKernels {

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = SimdSpecies.LANES;
    private static final long LANE_BITS = L == 64 ? -1L : (1L << L) - 1;
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SimdSparseKernels() {
    }

    static void matvec(SparseMatrix m, float[] x, float[] out, int rowStart, int rowEnd) {
        long capacity = m.values().byteSize() / m.dtype().byteSize();
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = m.rowOffsets()[r + 1] + L <= capacity ? rowDot(m, r, x) : ScalarSparseKernels.rowDot(m, r, x, 0);
        }
    }

    static void rowToFloats(SparseMatrix m, int row, float[] out, int outOffset) {
        long capacity = m.values().byteSize() / m.dtype().byteSize();
        if (m.rowOffsets()[row + 1] + L > capacity) {
            ScalarSparseKernels.rowToFloats(m, row, out, outOffset);
            return;
        }
        MemorySegment values = m.values();
        MemorySegment mask = m.bitmask();
        WeightDtype dtype = m.dtype();
        int width = dtype.byteSize();
        long rowByte = (long) row * m.maskStride();
        long p = m.rowOffsets()[row];
        int words = m.cols() >>> 6;
        for (int w = 0; w < words; w++) {
            long bits = mask.get(LONG_LE, rowByte + 8L * w);
            int c0 = w << 6;
            for (int j = 0; j < 64; j += L) {
                long laneBits = bits >>> j & LANE_BITS;
                load(dtype, values, p * width).expand(VectorMask.fromLong(F, laneBits)).intoArray(out, outOffset + c0 + j);
                p += Long.bitCount(laneBits);
            }
        }
        tailToFloats(m, row, words << 6, p, out, outOffset);
    }

    private static float rowDot(SparseMatrix m, int row, float[] x) {
        MemorySegment values = m.values();
        MemorySegment mask = m.bitmask();
        WeightDtype dtype = m.dtype();
        int width = dtype.byteSize();
        long rowByte = (long) row * m.maskStride();
        long p = m.rowOffsets()[row];
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int words = m.cols() >>> 6;
        for (int w = 0; w < words; w++) {
            long bits = mask.get(LONG_LE, rowByte + 8L * w);
            if (bits == 0) {
                continue;
            }
            int c0 = w << 6;
            // Two accumulators in turn: 64 / LANES is even for every width but 64 lanes.
            for (int j = 0; j < 64; j += 2 * L) {
                long b0 = bits >>> j & LANE_BITS;
                long b1 = bits >>> (j + L) & LANE_BITS;
                acc0 = load(dtype, values, p * width).expand(VectorMask.fromLong(F, b0))
                        .fma(FloatVector.fromArray(F, x, c0 + j), acc0);
                p += Long.bitCount(b0);
                acc1 = load(dtype, values, p * width).expand(VectorMask.fromLong(F, b1))
                        .fma(FloatVector.fromArray(F, x, c0 + j + L), acc1);
                p += Long.bitCount(b1);
            }
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        return tailDot(m, row, words << 6, p, x, sum);
    }

    /** The columns from {@code from} (a multiple of 64) to the end, bit by bit as the scalar twin does. */
    private static float tailDot(SparseMatrix m, int row, int from, long p, float[] x, float sum) {
        long rowByte = (long) row * m.maskStride();
        for (int c = from; c < m.cols(); c++) {
            if ((m.bitmask().get(ValueLayout.JAVA_BYTE, rowByte + (c >>> 3)) >>> (c & 7) & 1) != 0) {
                sum = Math.fma(ScalarKernels.weightAt(m.dtype(), m.values(), p++), x[c], sum);
            }
        }
        return sum;
    }

    private static void tailToFloats(SparseMatrix m, int row, int from, long p, float[] out, int outOffset) {
        long rowByte = (long) row * m.maskStride();
        for (int c = from; c < m.cols(); c++) {
            boolean kept = (m.bitmask().get(ValueLayout.JAVA_BYTE, rowByte + (c >>> 3)) >>> (c & 7) & 1) != 0;
            out[outOffset + c] = kept ? ScalarKernels.weightAt(m.dtype(), m.values(), p++) : 0f;
        }
    }

    private static FloatVector load(WeightDtype dtype, MemorySegment values, long at) {
        return switch (dtype) {
            case F32 -> SimdDenseKernels.f32(values, at);
            case BF16 -> SimdDenseKernels.bf16(values, at);
            case F16 -> SimdDenseKernels.f16(values, at);
        };
    }

    static void matmul(SparseMatrix m, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        SimdDenseKernels.matmulWidened((row, count, scratch) -> {
            for (int i = 0; i < count; i++) {
                rowToFloats(m, row + i, scratch, i * m.cols());
            }
        }, m.rows(), m.cols(), x, batch, out, rowStart, rowEnd);
    }
}
