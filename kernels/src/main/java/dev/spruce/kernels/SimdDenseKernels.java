package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.spruce.kernels.ScalarKernels.F32_LE;
import static dev.spruce.kernels.ScalarKernels.U16_LE;

/**
 * The SIMD kernels that read dense weights from segments (dot, widening, matvec, matmul), split
 * from {@link SimdKernels} by family to keep each file readable.
 *
 * <p>Each dtype has its own copy of a loop rather than one loop over a "load weights" strategy:
 * C2 only keeps vectors in registers when every call in the loop is inlined with constant
 * arguments, and a strategy object or a switch inside the loop defeats that. The dtype is chosen
 * once per call, outside the loops.
 *
 * <p>Loop shape (house rule): below {@code 2 * LANES} elements the scalar code runs (the vector
 * setup and reduction would cost more than they save); otherwise a body of 4 vectors per step,
 * then single vectors, then a scalar tail whose arithmetic is the scalar twin's.
 */
final class SimdDenseKernels {

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final VectorSpecies<Short> S = SimdSpecies.HALF_SHORT;
    private static final int L = SimdSpecies.LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private SimdDenseKernels() {
    }

    // ---- loads: one float vector of weights from element byte offset `at` ----

    static FloatVector f32(MemorySegment w, long at) {
        return FloatVector.fromMemorySegment(F, w, at, LE);
    }

    /** BF16 is the top half of a float: zero-extend each 16-bit lane to 32 bits and shift it up. */
    static FloatVector bf16(MemorySegment w, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(S, w, at, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /**
     * F16 to float with integer and float lane operations. The JDK 25 Vector API has no lane-wise
     * half-float conversion ({@code VectorOperators} offers S2F, the numeric short-to-float, and
     * {@code Float16} is scalar only), so rather than falling back to per-lane
     * {@link Float#float16ToFloat} this does it exactly with a few vector instructions: place the
     * exponent and mantissa bits at float positions and multiply by 2^112 to rebias the exponent
     * (exact, and it turns half subnormals into float normals). Exponent 31 (infinity, NaN) lands
     * at exactly 2^16 or above, where it must become 255 keeping the payload, NaNs quiet as
     * {@link Float#float16ToFloat} and F16C's {@code vcvtph2ps} make them. Then the sign goes back.
     * Testing the rebiased float rather than the integer bits needs no extra integer constant,
     * which matters: each broadcast constant pins one of AVX2's 16 vector registers.
     */
    static FloatVector f16(MemorySegment w, long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, at, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        FloatVector rebiased = magnitude.reinterpretAsFloats().mul(0x1p112f);
        IntVector bits = rebiased.reinterpretAsInts()
                .blend(magnitude.or(0x7F80_0000), rebiased.compare(VectorOperators.GE, 0x1p16f).cast(I))
                .blend(magnitude.or(0x7FC0_0000), rebiased.compare(VectorOperators.GT, 0x1p16f).cast(I));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float bf16At(MemorySegment w, long at) {
        return FloatFormats.bf16ToFloat(w.get(U16_LE, at));
    }

    private static float f16At(MemorySegment w, long at) {
        return FloatFormats.f16ToFloat(w.get(U16_LE, at));
    }

    // ---- dot products ----
    // Four accumulators: an FMA has 4-cycle latency with two issued per cycle, so one accumulator
    // would run at 1/8 of peak; four independent chains already outrun memory for these streaming
    // kernels (measured: eight are no faster for F32 and slower for BF16, whose conversion
    // temporaries then spill), while keeping the 4-vector step small for head-sized inputs.

    static float dotF32(MemorySegment w, long wIndex, float[] x, int xOffset, int n) {
        long base = wIndex * Float.BYTES;
        float sum = 0f;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
                acc0 = f32(w, base + 4L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = f32(w, base + 4L * (i + L)).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
                acc2 = f32(w, base + 4L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 2 * L), acc2);
                acc3 = f32(w, base + 4L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 3 * L), acc3);
            }
            for (int bound = F.loopBound(n); i < bound; i += L) {
                acc0 = f32(w, base + 4L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum = Math.fma(w.get(F32_LE, base + 4L * i), x[xOffset + i], sum);
        }
        return sum;
    }

    static float dotBf16(MemorySegment w, long wIndex, float[] x, int xOffset, int n) {
        long base = wIndex * 2;
        float sum = 0f;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
                acc0 = bf16(w, base + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = bf16(w, base + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
                acc2 = bf16(w, base + 2L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 2 * L), acc2);
                acc3 = bf16(w, base + 2L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 3 * L), acc3);
            }
            for (int bound = F.loopBound(n); i < bound; i += L) {
                acc0 = bf16(w, base + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum = Math.fma(bf16At(w, base + 2L * i), x[xOffset + i], sum);
        }
        return sum;
    }

    /**
     * Two accumulators, not four: the F16 conversion needs about ten vector registers of
     * temporaries and constants, and four chains made C2 spill on AVX2 (measured about 3 GB/s
     * with four against 6.8 GB/s with two on a 2048 × 5632 matrix). The conversion, not FMA
     * latency, bounds this loop.
     */
    static float dotF16(MemorySegment w, long wIndex, float[] x, int xOffset, int n) {
        long base = wIndex * 2;
        float sum = 0f;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
                acc0 = f16(w, base + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = f16(w, base + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            for (int bound = F.loopBound(n); i < bound; i += L) {
                acc0 = f16(w, base + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum = Math.fma(f16At(w, base + 2L * i), x[xOffset + i], sum);
        }
        return sum;
    }

    static float dot(WeightDtype dtype, MemorySegment w, long wIndex, float[] x, int xOffset, int n) {
        return switch (dtype) {
            case F32 -> dotF32(w, wIndex, x, xOffset, n);
            case BF16 -> dotBf16(w, wIndex, x, xOffset, n);
            case F16 -> dotF16(w, wIndex, x, xOffset, n);
        };
    }

    // ---- widening ----

    static void addScaled(WeightDtype dtype, MemorySegment w, long wIndex, float a, float[] out, int outOffset,
                          int n) {
        long base = wIndex * dtype.byteSize();
        int i = 0;
        int bound = n >= 2 * L ? F.loopBound(n) : 0;
        FloatVector av = FloatVector.broadcast(F, a);
        switch (dtype) {
            case F32 -> {
                for (; i < bound; i += L) {
                    av.fma(f32(w, base + 4L * i), FloatVector.fromArray(F, out, outOffset + i)).intoArray(out, outOffset + i);
                }
            }
            case BF16 -> {
                for (; i < bound; i += L) {
                    av.fma(bf16(w, base + 2L * i), FloatVector.fromArray(F, out, outOffset + i)).intoArray(out, outOffset + i);
                }
            }
            case F16 -> {
                for (; i < bound; i += L) {
                    av.fma(f16(w, base + 2L * i), FloatVector.fromArray(F, out, outOffset + i)).intoArray(out, outOffset + i);
                }
            }
        }
        for (; i < n; i++) {
            out[outOffset + i] = Math.fma(a, ScalarKernels.weightAt(dtype, w, wIndex + i), out[outOffset + i]);
        }
    }

    static void toFloats(WeightDtype dtype, MemorySegment w, long wIndex, float[] out, int outOffset, int n) {
        long base = wIndex * dtype.byteSize();
        int i = 0;
        // No loop-carried dependency, so one vector per step; C2 unrolls it by itself.
        int bound = n >= 2 * L ? F.loopBound(n) : 0;
        switch (dtype) {
            case F32 -> {
                for (; i < bound; i += L) {
                    f32(w, base + 4L * i).intoArray(out, outOffset + i);
                }
                for (; i < n; i++) {
                    out[outOffset + i] = w.get(F32_LE, base + 4L * i);
                }
            }
            case BF16 -> {
                for (; i < bound; i += L) {
                    bf16(w, base + 2L * i).intoArray(out, outOffset + i);
                }
                for (; i < n; i++) {
                    out[outOffset + i] = bf16At(w, base + 2L * i);
                }
            }
            case F16 -> {
                for (; i < bound; i += L) {
                    f16(w, base + 2L * i).intoArray(out, outOffset + i);
                }
                for (; i < n; i++) {
                    out[outOffset + i] = f16At(w, base + 2L * i);
                }
            }
        }
    }

    // ---- matrix × vector ----

    /**
     * One row at a time, front to back, which is all a memory-bound decode step can ask for: each
     * weight is read once and {@code x} stays in L1/L2, so sharing its loads across rows would save
     * little. BF16 takes a faster path, {@link #matvecBf16}.
     */
    static void matvec(DenseMatrix m, float[] x, float[] out, int rowStart, int rowEnd) {
        MemorySegment w = m.data();
        int cols = m.cols();
        switch (m.dtype()) {
            case F32 -> {
                for (int r = rowStart; r < rowEnd; r++) {
                    out[r] = dotF32(w, m.rowIndex(r), x, 0, cols);
                }
            }
            case BF16 -> matvecBf16(m, x, out, rowStart, rowEnd);
            case F16 -> {
                for (int r = rowStart; r < rowEnd; r++) {
                    out[r] = dotF16(w, m.rowIndex(r), x, 0, cols);
                }
            }
        }
    }

    /**
     * BF16 decode without widening instructions. A 32-bit lane loaded from BF16 weights holds two
     * elements: {@code lane << 16} is the even one as a float and {@code lane & 0xFFFF0000} the
     * odd one, so 2 × LANES weights cost one load and two single-cycle integer operations instead
     * of two loads, two zero-extensions and two shifts. The activations are permuted to match once
     * per call (each block of 2 × LANES becomes its even elements then its odd ones) and reused by
     * every row. The copy costs one {@code cols}-float allocation per call, negligible next to
     * reading {@code rows × cols} weights as long as callers split the rows into a few large ranges.
     *
     * <p>Rows go four at a time, sharing each pair of activation loads: one row at a time the loop
     * was bound by instruction throughput, not memory (single thread, 16384 × 8192, thread CPU
     * time: 10.4 GB/s one row at a time, 12.4 two at a time, 14.7 four at a time, the same as a
     * plain SIMD sum over the same bytes). Every row, in a group of four or alone at the end of a
     * range, sums the same way (an even and an odd accumulator, then the scalar tail), so its value
     * does not depend on how the rows were split between threads.
     */
    private static void matvecBf16(DenseMatrix m, float[] x, float[] out, int rowStart, int rowEnd) {
        MemorySegment w = m.data();
        int cols = m.cols();
        int pairEnd = cols >= 4 * L ? cols - cols % (2 * L) : 0;
        if (pairEnd == 0) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[r] = dotBf16(w, m.rowIndex(r), x, 0, cols);
            }
            return;
        }
        float[] evenOdd = new float[pairEnd];
        for (int j = 0; j < pairEnd; j += 2 * L) {
            for (int l = 0; l < L; l++) {
                evenOdd[j + l] = x[j + 2 * l];
                evenOdd[j + L + l] = x[j + 2 * l + 1];
            }
        }
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            dotBf16Pairs4(w, m.rowIndex(r) * 2, m.rowIndex(r + 1) * 2, m.rowIndex(r + 2) * 2, m.rowIndex(r + 3) * 2,
                    evenOdd, x, pairEnd, cols, out, r);
        }
        for (; r < rowEnd; r++) {
            out[r] = dotBf16Pairs(w, m.rowIndex(r) * 2, evenOdd, x, pairEnd, cols);
        }
    }

    /** One row of {@link #matvecBf16}: an even and an odd accumulator, as each row of {@link #dotBf16Pairs4}. */
    private static float dotBf16Pairs(MemorySegment w, long base, float[] evenOdd, float[] x, int pairEnd, int cols) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        for (int i = 0; i < pairEnd; i += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, base + 2L * i, LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, evenOdd, i), even);
            odd = v.and(0xFFFF_0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, evenOdd, i + L), odd);
        }
        return bf16Tail(w, base, x, pairEnd, cols, even.add(odd).reduceLanes(VectorOperators.ADD));
    }

    /** Four rows at byte offsets {@code b0..b3}, into {@code out[r..r+3]}: eight accumulator chains, shared activation loads. */
    private static void dotBf16Pairs4(MemorySegment w, long b0, long b1, long b2, long b3, float[] evenOdd, float[] x,
                                      int pairEnd, int cols, float[] out, int r) {
        FloatVector e0 = FloatVector.zero(F);
        FloatVector o0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector o1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F);
        FloatVector o2 = FloatVector.zero(F);
        FloatVector e3 = FloatVector.zero(F);
        FloatVector o3 = FloatVector.zero(F);
        for (int i = 0; i < pairEnd; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, evenOdd, i);
            FloatVector xo = FloatVector.fromArray(F, evenOdd, i + L);
            IntVector v0 = IntVector.fromMemorySegment(I, w, b0 + 2L * i, LE);
            IntVector v1 = IntVector.fromMemorySegment(I, w, b1 + 2L * i, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, b2 + 2L * i, LE);
            IntVector v3 = IntVector.fromMemorySegment(I, w, b3 + 2L * i, LE);
            e0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e0);
            o0 = v0.and(0xFFFF_0000).reinterpretAsFloats().fma(xo, o0);
            e1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e1);
            o1 = v1.and(0xFFFF_0000).reinterpretAsFloats().fma(xo, o1);
            e2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e2);
            o2 = v2.and(0xFFFF_0000).reinterpretAsFloats().fma(xo, o2);
            e3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e3);
            o3 = v3.and(0xFFFF_0000).reinterpretAsFloats().fma(xo, o3);
        }
        out[r] = bf16Tail(w, b0, x, pairEnd, cols, e0.add(o0).reduceLanes(VectorOperators.ADD));
        out[r + 1] = bf16Tail(w, b1, x, pairEnd, cols, e1.add(o1).reduceLanes(VectorOperators.ADD));
        out[r + 2] = bf16Tail(w, b2, x, pairEnd, cols, e2.add(o2).reduceLanes(VectorOperators.ADD));
        out[r + 3] = bf16Tail(w, b3, x, pairEnd, cols, e3.add(o3).reduceLanes(VectorOperators.ADD));
    }

    /** {@code sum} plus the columns from {@code pairEnd} on, in the scalar twin's arithmetic. */
    private static float bf16Tail(MemorySegment w, long base, float[] x, int pairEnd, int cols, float sum) {
        for (int c = pairEnd; c < cols; c++) {
            sum = Math.fma(bf16At(w, base + 2L * c), x[c], sum);
        }
        return sum;
    }

    // ---- matrix × small batch ----
    // Tile: 4 rows × 2 batch items = 8 accumulators. Per column step the tile loads 4 weight vectors
    // and 2 activation vectors for 8 FMAs, so each (converted) weight vector is used twice and each
    // activation four times. With AVX2's 16 vector registers, 8 accumulators + 2 activations + the
    // weight being converted fit without spilling; 4 × 3 (12 + 3 + 2) would not. The 4 rows being
    // worked on (4 × cols weights) stay in L1/L2 while the tile walks the batch, so the matrix comes
    // from memory once per call whatever the batch. An odd last batch item runs a 4 × 1 tile, which
    // sums each output in the same order as the pair tile (the 4-accumulator dot kernel does not),
    // so once both are compiled an output does not depend on where its item falls in a batch of 2
    // or more. The last rows % 4 rows use the dot kernel. Measured: 4 × 3 (12 accumulators) and
    // 2 × 4 on widened rows were no faster than 4 × 2.

    static void matmul(DenseMatrix m, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        MemorySegment w = m.data();
        if (m.dtype() != WeightDtype.F32) {
            // 16-bit weights are widened once per 4-row block into F32 scratch and the F32 tile runs on that,
            // so each conversion is paid once per weight rather than once per batch pair. For F16 the
            // in-tile conversion is too register-hungry (it spilled and ran slower than separate
            // matvecs); for BF16 the in-tile version worked but spent the load ports on conversions.
            matmulWidened((row, count, scratch) -> toFloats(m.dtype(), w, m.rowIndex(row), scratch, 0, count * m.cols()),
                    m.rows(), m.cols(), x, batch, out, rowStart, rowEnd);
            return;
        }
        int fullTiles = rowStart + (rowEnd - rowStart) / 4 * 4;
        int pairs = batch / 2 * 2;
        int rows = m.rows();
        int cols = m.cols();
        int vecEnd = cols >= 2 * L ? F.loopBound(cols) : 0;
        for (int r = rowStart; r < fullTiles; r += 4) {
            long rowByte = m.rowIndex(r) * Float.BYTES;
            for (int b = 0; b < pairs; b += 2) {
                tileF32(w, rowByte, cols, x, out, rows, r, b, vecEnd);
            }
            if (pairs < batch) {
                tileF32Single(w, rowByte, cols, x, out, rows, r, pairs, vecEnd);
            }
        }
        for (int r = rowStart; r < rowEnd; r++) {
            int firstB = r < fullTiles ? batch : 0;
            for (int b = firstB; b < batch; b++) {
                out[b * rows + r] = dotF32(w, m.rowIndex(r), x, b * cols, cols);
            }
        }
    }

    /** Writes rows {@code row .. row + count - 1} of a matrix as F32 to {@code scratch[0 .. count * cols)}. */
    @FunctionalInterface
    interface RowWidener {
        void widen(int row, int count, float[] scratch);
    }

    /**
     * Matrix × small batch for weights that are not F32 in memory (16-bit or sparse): each block of
     * 4 rows is widened once into an F32 scratch tile, then every batch pair runs a 4 × 2 tile on it
     * and an odd last batch item a 4 × 1 tile; the last {@code rows % 4} rows dot against the scratch.
     *
     * <p>The scratch is read as a {@code float[]}, not through a heap {@link MemorySegment} view,
     * which C2 compiled to a slower tile. Measured on 2 shared cores (AVX2, thread CPU time, old and
     * new kernels interleaved in one JVM, medians of 9): BF16 1536 × 576 at batch 8 went from 593 to
     * 476 µs (30 GFLOP/s; a core peaks near 50 on FMAs alone), 49152 × 576 from 21.4 to 19.8 ms.
     * Of what is left, widening is about a quarter (the tile alone on an already widened block:
     * 40 GFLOP/s). A 4 × 1 tile for the odd item replaced 4 dot products that each reload the item:
     * batch 7 of 1536 × 576 went from 655 to 435 µs, below batch 8 as it should be.
     */
    static void matmulWidened(RowWidener widener, int rows, int cols, float[] x, int batch, float[] out,
                              int rowStart, int rowEnd) {
        float[] widened = new float[4 * cols];
        int vecEnd = cols >= 2 * L ? F.loopBound(cols) : 0;
        int pairs = batch / 2 * 2;
        for (int r = rowStart; r < rowEnd; r += 4) {
            int count = Math.min(4, rowEnd - r);
            widener.widen(r, count, widened);
            if (count == 4) {
                for (int b = 0; b < pairs; b += 2) {
                    tileWidened(widened, cols, x, out, rows, r, b, vecEnd);
                }
                if (pairs < batch) {
                    tileWidenedSingle(widened, cols, x, out, rows, r, pairs, vecEnd);
                }
            } else {
                for (int i = 0; i < count; i++) {
                    for (int b = 0; b < batch; b++) {
                        out[b * rows + r + i] = SimdKernels.arrayDot(widened, i * cols, x, b * cols, cols);
                    }
                }
            }
        }
    }

    /** {@link #tileF32} over a widened {@code float[]} tile: rows {@code r .. r+3} times batch items {@code b, b+1}. */
    private static void tileWidened(float[] w, int cols, float[] x, float[] out, int outRows, int r, int b,
                                    int vecEnd) {
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = b * cols;
        int x1 = x0 + cols;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        for (int c = 0; c < vecEnd; c += L) {
            FloatVector xv0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector xv1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector wv = FloatVector.fromArray(F, w, c);
            a00 = wv.fma(xv0, a00);
            a01 = wv.fma(xv1, a01);
            wv = FloatVector.fromArray(F, w, w1 + c);
            a10 = wv.fma(xv0, a10);
            a11 = wv.fma(xv1, a11);
            wv = FloatVector.fromArray(F, w, w2 + c);
            a20 = wv.fma(xv0, a20);
            a21 = wv.fma(xv1, a21);
            wv = FloatVector.fromArray(F, w, w3 + c);
            a30 = wv.fma(xv0, a30);
            a31 = wv.fma(xv1, a31);
        }
        int o0 = b * outRows + r;
        int o1 = o0 + outRows;
        out[o0] = finishArray(a00, w, 0, x, x0, vecEnd, cols);
        out[o1] = finishArray(a01, w, 0, x, x1, vecEnd, cols);
        out[o0 + 1] = finishArray(a10, w, w1, x, x0, vecEnd, cols);
        out[o1 + 1] = finishArray(a11, w, w1, x, x1, vecEnd, cols);
        out[o0 + 2] = finishArray(a20, w, w2, x, x0, vecEnd, cols);
        out[o1 + 2] = finishArray(a21, w, w2, x, x1, vecEnd, cols);
        out[o0 + 3] = finishArray(a30, w, w3, x, x0, vecEnd, cols);
        out[o1 + 3] = finishArray(a31, w, w3, x, x1, vecEnd, cols);
    }

    /**
     * Rows {@code r .. r+3} of a widened tile times batch item {@code b} alone: 4 accumulators, which
     * are enough FMA chains here because each step also loads 5 vectors.
     */
    private static void tileWidenedSingle(float[] w, int cols, float[] x, float[] out, int outRows, int r, int b,
                                          int vecEnd) {
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = b * cols;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int c = 0; c < vecEnd; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, x0 + c);
            a0 = FloatVector.fromArray(F, w, c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + c).fma(xv, a3);
        }
        int o = b * outRows + r;
        out[o] = finishArray(a0, w, 0, x, x0, vecEnd, cols);
        out[o + 1] = finishArray(a1, w, w1, x, x0, vecEnd, cols);
        out[o + 2] = finishArray(a2, w, w2, x, x0, vecEnd, cols);
        out[o + 3] = finishArray(a3, w, w3, x, x0, vecEnd, cols);
    }

    /**
     * Rows {@code r .. r+3} (starting at byte {@code w0} of {@code w}) times batch items
     * {@code b, b+1}; {@code outRows} is the row count of {@code out}'s layout.
     */
    private static void tileF32(MemorySegment w, long w0, int cols, float[] x, float[] out, int outRows, int r,
                                 int b, int vecEnd) {
        long w1 = w0 + (long) cols * Float.BYTES;
        long w2 = w1 + (long) cols * Float.BYTES;
        long w3 = w2 + (long) cols * Float.BYTES;
        int x0 = b * cols;
        int x1 = x0 + cols;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        for (int c = 0; c < vecEnd; c += L) {
            FloatVector xv0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector xv1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector wv = f32(w, w0 + 4L * c);
            a00 = wv.fma(xv0, a00);
            a01 = wv.fma(xv1, a01);
            wv = f32(w, w1 + 4L * c);
            a10 = wv.fma(xv0, a10);
            a11 = wv.fma(xv1, a11);
            wv = f32(w, w2 + 4L * c);
            a20 = wv.fma(xv0, a20);
            a21 = wv.fma(xv1, a21);
            wv = f32(w, w3 + 4L * c);
            a30 = wv.fma(xv0, a30);
            a31 = wv.fma(xv1, a31);
        }
        int o0 = b * outRows + r;
        int o1 = o0 + outRows;
        out[o0] = finishF32(a00, w, w0, x, x0, vecEnd, cols);
        out[o1] = finishF32(a01, w, w0, x, x1, vecEnd, cols);
        out[o0 + 1] = finishF32(a10, w, w1, x, x0, vecEnd, cols);
        out[o1 + 1] = finishF32(a11, w, w1, x, x1, vecEnd, cols);
        out[o0 + 2] = finishF32(a20, w, w2, x, x0, vecEnd, cols);
        out[o1 + 2] = finishF32(a21, w, w2, x, x1, vecEnd, cols);
        out[o0 + 3] = finishF32(a30, w, w3, x, x0, vecEnd, cols);
        out[o1 + 3] = finishF32(a31, w, w3, x, x1, vecEnd, cols);
    }

    /** {@link #tileWidenedSingle} on F32 weights in a segment. */
    private static void tileF32Single(MemorySegment w, long w0, int cols, float[] x, float[] out, int outRows, int r,
                                      int b, int vecEnd) {
        long w1 = w0 + (long) cols * Float.BYTES;
        long w2 = w1 + (long) cols * Float.BYTES;
        long w3 = w2 + (long) cols * Float.BYTES;
        int x0 = b * cols;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int c = 0; c < vecEnd; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, x0 + c);
            a0 = f32(w, w0 + 4L * c).fma(xv, a0);
            a1 = f32(w, w1 + 4L * c).fma(xv, a1);
            a2 = f32(w, w2 + 4L * c).fma(xv, a2);
            a3 = f32(w, w3 + 4L * c).fma(xv, a3);
        }
        int o = b * outRows + r;
        out[o] = finishF32(a0, w, w0, x, x0, vecEnd, cols);
        out[o + 1] = finishF32(a1, w, w1, x, x0, vecEnd, cols);
        out[o + 2] = finishF32(a2, w, w2, x, x0, vecEnd, cols);
        out[o + 3] = finishF32(a3, w, w3, x, x0, vecEnd, cols);
    }

    // Reduce a tile accumulator and add the columns past the last full vector, as the scalar twin does.
    // Separate calls rather than an array of accumulators, which would force C2 to box the vectors.

    private static float finishArray(FloatVector acc, float[] w, int wRow, float[] x, int xRow, int from, int to) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int c = from; c < to; c++) {
            sum = Math.fma(w[wRow + c], x[xRow + c], sum);
        }
        return sum;
    }

    private static float finishF32(FloatVector acc, MemorySegment w, long wRow, float[] x, int xRow, int from, int to) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int c = from; c < to; c++) {
            sum = Math.fma(w.get(F32_LE, wRow + 4L * c), x[xRow + c], sum);
        }
        return sum;
    }

}
