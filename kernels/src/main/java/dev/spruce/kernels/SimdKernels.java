package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.spruce.kernels.KernelChecks.checkArray;
import static dev.spruce.kernels.KernelChecks.checkWeights;

/**
 * The Vector API implementation, at the width of {@link SimdSpecies}. Weight kernels live in
 * {@link SimdDenseKernels}; this class holds the activation, attention and selection kernels and
 * the argument checks. Every loop follows one shape: scalar below {@code 2 * LANES} elements,
 * then a vector body, a single-vector tail and a scalar tail computing exactly what
 * {@link ScalarKernels} computes for those elements.
 */
final class SimdKernels implements Kernels {

    static final SimdKernels INSTANCE = new SimdKernels();

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = SimdSpecies.LANES;
    /**
     * Floats of one head's keys per tile of {@link #groupedAttention}: 128 KB, so a tile of keys
     * and one of values stay in a 512 KB-1 MB L2 while every head of a group (up to 8) passes.
     */
    private static final int TILE_FLOATS = 32 * 1024;

    private SimdKernels() {
    }

    @Override
    public String name() {
        return KernelProvider.SIMD;
    }

    @Override
    public int vectorBits() {
        return SimdSpecies.BITS;
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        checkArray(a, aOffset, length);
        checkArray(b, bOffset, length);
        return arrayDot(a, aOffset, b, bOffset, length);
    }

    /** Same shape and reasons as {@link SimdDenseKernels#dotF32}: four accumulators hide FMA latency. */
    static float arrayDot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        float sum = 0f;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
                acc0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), acc0);
                acc1 = FloatVector.fromArray(F, a, aOffset + i + L)
                        .fma(FloatVector.fromArray(F, b, bOffset + i + L), acc1);
                acc2 = FloatVector.fromArray(F, a, aOffset + i + 2 * L)
                        .fma(FloatVector.fromArray(F, b, bOffset + i + 2 * L), acc2);
                acc3 = FloatVector.fromArray(F, a, aOffset + i + 3 * L)
                        .fma(FloatVector.fromArray(F, b, bOffset + i + 3 * L), acc3);
            }
            for (int bound = F.loopBound(n); i < bound; i += L) {
                acc0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    @Override
    public float dotF32(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.F32);
        checkArray(x, xOffset, length);
        return SimdDenseKernels.dotF32(w, wIndex, x, xOffset, length);
    }

    @Override
    public float dotBf16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.BF16);
        checkArray(x, xOffset, length);
        return SimdDenseKernels.dotBf16(w, wIndex, x, xOffset, length);
    }

    @Override
    public float dotF16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.F16);
        checkArray(x, xOffset, length);
        return SimdDenseKernels.dotF16(w, wIndex, x, xOffset, length);
    }

    @Override
    public void toFloats(WeightDtype dtype, MemorySegment w, long wIndex, float[] out, int outOffset, int length) {
        checkWeights(w, wIndex, length, dtype);
        checkArray(out, outOffset, length);
        SimdDenseKernels.toFloats(dtype, w, wIndex, out, outOffset, length);
    }

    @Override
    public void addScaled(WeightDtype dtype, MemorySegment w, long wIndex, float a, float[] out, int outOffset,
                          int length) {
        checkWeights(w, wIndex, length, dtype);
        checkArray(out, outOffset, length);
        SimdDenseKernels.addScaled(dtype, w, wIndex, a, out, outOffset, length);
    }

    @Override
    public void addScaled(double[] target, int t, double[] source, int o, double c, int from, int to) {
        KernelChecks.checkDoubleRange(target, t, source, from, to, o);
        SimdDoubleKernels.addScaled(target, t, source, o, c, from, to);
    }

    @Override
    public void addScaled4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                           double c0, double c1, double c2, double c3, int from, int to) {
        KernelChecks.checkDoubleRange(target, t, source, from, to, o0, o1, o2, o3);
        SimdDoubleKernels.addScaled4(target, t, source, o0, o1, o2, o3, c0, c1, c2, c3, from, to);
    }

    @Override
    public void matvec(DenseMatrix w, float[] x, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatvec(w, x, out, rowStart, rowEnd);
        SimdDenseKernels.matvec(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void matmul(DenseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatmul(w, x, batch, out, rowStart, rowEnd);
        SimdDenseKernels.matmul(w, x, batch, out, rowStart, rowEnd);
    }

    @Override
    public void sparseMatvec(SparseMatrix w, float[] x, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatvec(w, x, out, rowStart, rowEnd);
        SimdSparseKernels.matvec(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void sparseMatmul(SparseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatmul(w, x, batch, out, rowStart, rowEnd);
        SimdSparseKernels.matmul(w, x, batch, out, rowStart, rowEnd);
    }

    @Override
    public void sparseRowToFloats(SparseMatrix w, int row, float[] out, int outOffset) {
        java.util.Objects.checkIndex(row, w.rows());
        KernelChecks.checkArray(out, outOffset, w.cols());
        SimdSparseKernels.rowToFloats(w, row, out, outOffset);
    }

    @Override
    public void rmsNorm(float[] x, int xOffset, float[] weight, float eps, float[] out, int outOffset, int length) {
        checkArray(x, xOffset, length);
        checkArray(weight, 0, length);
        checkArray(out, outOffset, length);
        int n = length;
        float sumSquares = 0f;
        int i = 0;
        boolean vectorise = n >= 2 * L;
        if (vectorise) {
            // Two accumulators: the sum of squares is one pass over a hidden state already in cache, so
            // FMA latency, not memory, bounds it; two chains halve that at little tail cost.
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
                FloatVector v0 = FloatVector.fromArray(F, x, xOffset + i);
                FloatVector v1 = FloatVector.fromArray(F, x, xOffset + i + L);
                acc0 = v0.fma(v0, acc0);
                acc1 = v1.fma(v1, acc1);
            }
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xOffset + i);
                acc0 = v.fma(v, acc0);
            }
            sumSquares = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float v = x[xOffset + i];
            sumSquares = Math.fma(v, v, sumSquares);
        }
        float scale = ScalarKernels.rmsScale(sumSquares, n, eps);
        i = 0;
        if (vectorise) {
            // Element-wise: no dependency between steps, one vector per step suffices.
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xOffset + i).mul(scale);
                FloatVector.fromArray(F, weight, i).mul(v).intoArray(out, outOffset + i);
            }
        }
        for (; i < n; i++) {
            out[outOffset + i] = weight[i] * (x[xOffset + i] * scale);
        }
    }

    @Override
    public void rope(RopeTable table, int position, float[] x, int xOffset, int heads) {
        KernelChecks.checkRope(table, position, x, xOffset, heads);
        int headDim = table.headDim();
        int half = headDim / 2;
        int t = table.tableOffset(position);
        float[] cos = table.cos;
        float[] sin = table.sin;
        // Vectorised along the half-head (32 or 64 floats for Llama heads); one vector per step
        // because the two halves already give two independent chains.
        int bound = half >= 2 * L ? F.loopBound(half) : 0;
        for (int h = 0; h < heads; h++) {
            int lo = xOffset + h * headDim;
            int hi = lo + half;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a = FloatVector.fromArray(F, x, lo + i);
                FloatVector b = FloatVector.fromArray(F, x, hi + i);
                FloatVector c = FloatVector.fromArray(F, cos, t + i);
                FloatVector s = FloatVector.fromArray(F, sin, t + i);
                a.fma(c, b.mul(s).neg()).intoArray(x, lo + i);
                b.fma(c, a.mul(s)).intoArray(x, hi + i);
            }
            for (; i < half; i++) {
                float a = x[lo + i];
                float b = x[hi + i];
                float c = cos[t + i];
                float s = sin[t + i];
                x[lo + i] = Math.fma(a, c, -(b * s));
                x[hi + i] = Math.fma(b, c, a * s);
            }
        }
    }

    /**
     * Uses {@code VectorOperators.EXP}, which C2 compiles to a short-vector math routine (SVML on
     * x86) accurate to about 1 ulp, so results differ from the scalar twin's {@link Math#exp} by a
     * few ulps at most.
     */
    @Override
    public void siluMul(float[] gate, int gateOffset, float[] up, int upOffset, float[] out, int outOffset, int length) {
        checkArray(gate, gateOffset, length);
        checkArray(up, upOffset, length);
        checkArray(out, outOffset, length);
        int i = 0;
        // The exponential dominates; its own latency is hidden by out-of-order execution across
        // independent steps, so one vector per step.
        int bound = length >= 2 * L ? F.loopBound(length) : 0;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOffset + i);
            FloatVector u = FloatVector.fromArray(F, up, upOffset + i);
            g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(u).intoArray(out, outOffset + i);
        }
        for (; i < length; i++) {
            float g = gate[gateOffset + i];
            out[outOffset + i] = g / (1f + (float) Math.exp(-g)) * up[upOffset + i];
        }
    }

    @Override
    public void softmax(float[] x, int from, int to) {
        Objects.checkFromToIndex(from, to, x.length);
        softmaxRange(x, from, to);
    }

    /**
     * Three passes (max, exponentials and their sum, division), each vectorised with one
     * accumulator: the range is a row of attention scores, a few thousand floats at most, and the
     * exponential, not the reduction chain, sets the pace.
     */
    private static void softmaxRange(float[] x, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        int bound = from + (n >= 2 * L ? F.loopBound(n) : 0);
        float max = Float.NEGATIVE_INFINITY;
        int i = from;
        if (bound > from) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) {
                m = m.max(FloatVector.fromArray(F, x, i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < to; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        i = from;
        if (bound > from) {
            FloatVector s = FloatVector.zero(F);
            for (; i < bound; i += L) {
                FloatVector e = FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(x, i);
                s = s.add(e);
            }
            sum = s.reduceLanes(VectorOperators.ADD);
        }
        for (; i < to; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        i = from;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, i).div(sum).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = x[i] / sum;
        }
    }

    @Override
    public void attention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int length, float scale,
                          float[] scores, float[] out, int outOffset) {
        KernelChecks.checkAttention(q, qOffset, headDim, keys, values, length, scores, out, outOffset);
        scores(q, qOffset, headDim, keys, 0, length, scale, scores, 0);
        softmaxRange(scores, 0, length);
        weightedSum(headDim, values, 0, length, scores, 0, out, outOffset);
    }

    /**
     * Positions go in tiles of about {@link #TILE_FLOATS} floats of keys (or values) per head: every
     * head of the group scores the tile, then the next tile is loaded, so a tile comes from memory
     * once and from the core's L2 for the other heads; the weighted sum walks the values the same
     * way, each head's output carried from tile to tile in {@code out}. A tile starts at a multiple
     * of 4 positions, where {@link #attention}'s blocks of four keys start, and a lane's sum
     * continues from the stored float, so every head computes exactly what {@link #attention} does.
     */
    @Override
    public void groupedAttention(float[] q, int qOffset, int heads, int headDim, KvRows keys, KvRows values,
                                 int length, float scale, float[] scores, float[] out, int outOffset) {
        KernelChecks.checkGroupedAttention(q, qOffset, heads, headDim, keys, values, length, scores, out, outOffset);
        int tile = Math.max(4, TILE_FLOATS / headDim / 4 * 4);
        for (int from = 0; from < length; from += tile) {
            int to = Math.min(length, from + tile);
            for (int h = 0; h < heads; h++) {
                scores(q, qOffset + h * headDim, headDim, keys, from, to, scale, scores, h * length);
            }
        }
        for (int h = 0; h < heads; h++) {
            softmaxRange(scores, h * length, (h + 1) * length);
        }
        for (int from = 0; from < length; from += tile) {
            int to = Math.min(length, from + tile);
            for (int h = 0; h < heads; h++) {
                weightedSum(headDim, values, from, to, scores, h * length, out, outOffset + h * headDim);
            }
        }
    }

    /**
     * Four keys per step sharing each query load: four independent dot products give the
     * accumulator chains without splitting a head (64 or 128 floats) into short partial sums.
     * Heads of a single vector (tiny models: 8 floats at 256 bits) take this path too: over many
     * positions the reductions pipeline, where a scalar dot is one dependent chain of FMAs per key.
     */
    private static void scores(float[] q, int qOffset, int headDim, KvRows keys, int from, int to, float scale,
                               float[] scores, int sOffset) {
        float[] k = keys.data();
        int stride = keys.stride();
        int t = from;
        if (headDim >= L) {
            int dEnd = F.loopBound(headDim);
            for (; t + 4 <= to; t += 4) {
                int k0 = keys.start(t);
                int k1 = k0 + stride;
                int k2 = k1 + stride;
                int k3 = k2 + stride;
                FloatVector acc0 = FloatVector.zero(F);
                FloatVector acc1 = FloatVector.zero(F);
                FloatVector acc2 = FloatVector.zero(F);
                FloatVector acc3 = FloatVector.zero(F);
                for (int d = 0; d < dEnd; d += L) {
                    FloatVector qv = FloatVector.fromArray(F, q, qOffset + d);
                    acc0 = FloatVector.fromArray(F, k, k0 + d).fma(qv, acc0);
                    acc1 = FloatVector.fromArray(F, k, k1 + d).fma(qv, acc1);
                    acc2 = FloatVector.fromArray(F, k, k2 + d).fma(qv, acc2);
                    acc3 = FloatVector.fromArray(F, k, k3 + d).fma(qv, acc3);
                }
                int s = sOffset + t;
                scores[s] = finishDot(acc0, q, qOffset, k, k0, dEnd, headDim) * scale;
                scores[s + 1] = finishDot(acc1, q, qOffset, k, k1, dEnd, headDim) * scale;
                scores[s + 2] = finishDot(acc2, q, qOffset, k, k2, dEnd, headDim) * scale;
                scores[s + 3] = finishDot(acc3, q, qOffset, k, k3, dEnd, headDim) * scale;
            }
        }
        for (; t < to; t++) {
            scores[sOffset + t] = arrayDot(q, qOffset, k, keys.start(t), headDim) * scale;
        }
    }

    private static float finishDot(FloatVector acc, float[] q, int qOffset, float[] k, int kRow, int from, int to) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int d = from; d < to; d++) {
            sum = Math.fma(q[qOffset + d], k[kRow + d], sum);
        }
        return sum;
    }

    /**
     * {@code out = sum_t p_t v_t} over positions {@code [from, to)} ({@code p_t} at {@code p[pOffset + t]}),
     * a block of 4 vectors of the output at a time held in registers while {@code t} runs over the
     * cache: outputs are never reloaded, and each lane accumulates in the scalar twin's order
     * (t ascending, one FMA each), so the two agree exactly given equal probabilities. From a
     * {@code from} above 0 the sums continue from {@code out} (a later tile of positions).
     */
    private static void weightedSum(int headDim, KvRows values, int from, int to, float[] p, int pOffset, float[] out,
                                    int outOffset) {
        float[] v = values.data();
        boolean fresh = from == 0;
        int d = 0;
        if (headDim >= L) {
            for (; d + 4 * L <= headDim; d += 4 * L) {
                int o = outOffset + d;
                FloatVector acc0 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, o);
                FloatVector acc1 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, o + L);
                FloatVector acc2 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, o + 2 * L);
                FloatVector acc3 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, o + 3 * L);
                for (int t = from; t < to; t++) {
                    FloatVector pt = FloatVector.broadcast(F, p[pOffset + t]);
                    int vt = values.start(t) + d;
                    acc0 = FloatVector.fromArray(F, v, vt).fma(pt, acc0);
                    acc1 = FloatVector.fromArray(F, v, vt + L).fma(pt, acc1);
                    acc2 = FloatVector.fromArray(F, v, vt + 2 * L).fma(pt, acc2);
                    acc3 = FloatVector.fromArray(F, v, vt + 3 * L).fma(pt, acc3);
                }
                acc0.intoArray(out, o);
                acc1.intoArray(out, o + L);
                acc2.intoArray(out, o + 2 * L);
                acc3.intoArray(out, o + 3 * L);
            }
            for (; d + L <= headDim; d += L) {
                FloatVector acc = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, outOffset + d);
                for (int t = from; t < to; t++) {
                    acc = FloatVector.fromArray(F, v, values.start(t) + d).fma(FloatVector.broadcast(F, p[pOffset + t]),
                            acc);
                }
                acc.intoArray(out, outOffset + d);
            }
        }
        for (; d < headDim; d++) {
            float sum = fresh ? 0f : out[outOffset + d];
            for (int t = from; t < to; t++) {
                sum = Math.fma(p[pOffset + t], v[values.start(t) + d], sum);
            }
            out[outOffset + d] = sum;
        }
    }

    /**
     * One running (maximum, index) pair per lane, updated on strictly greater values so each lane
     * keeps its first maximum and NaN never wins; the lanes are then merged taking the lowest index
     * among equal maxima. One pair suffices: argmax runs once per token over the vocabulary, a
     * rounding error next to the matvec that produced the logits.
     */
    @Override
    public int argmax(float[] x, int from, int to) {
        Objects.checkFromToIndex(from, to, x.length);
        int n = to - from;
        int best = from;
        float bestValue = Float.NEGATIVE_INFINITY;
        int i = from;
        if (n >= 2 * L) {
            IntVector lane = IntVector.zero(I).addIndex(1);
            FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            IntVector index = IntVector.broadcast(I, from);
            for (int bound = from + F.loopBound(n); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                VectorMask<Float> greater = v.compare(VectorOperators.GT, max);
                max = max.blend(v, greater);
                index = index.blend(lane.add(i), greater.cast(I));
            }
            bestValue = max.reduceLanes(VectorOperators.MAX);
            VectorMask<Integer> atMax = max.compare(VectorOperators.EQ, bestValue).cast(I);
            best = index.blend(Integer.MAX_VALUE, atMax.not()).reduceLanes(VectorOperators.MIN);
        }
        for (; i < to; i++) {
            if (x[i] > bestValue) {
                bestValue = x[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * The scalar twin's heap ({@link TopKHeap}) behind a vector filter: once the heap is full, a
     * chunk is only looked at lane by lane if some value beats the current k-th best. Indices arrive
     * in increasing order, so a value equal to the k-th best can never enter (it would lose the tie)
     * and the strict comparison is exact. For k much smaller than the range almost every chunk is
     * skipped with one compare.
     */
    @Override
    public int topK(float[] x, int from, int to, int k, int[] indices) {
        KernelChecks.checkTopK(x, from, to, k, indices);
        int capacity = Math.min(k, to - from);
        if (capacity == 0) {
            return 0;
        }
        int size = 0;
        int i = from;
        for (; i < to && size < capacity; i++) {
            size = TopKHeap.offer(x, indices, size, capacity, i);
        }
        if (size == capacity && to - i >= 2 * L) {
            float threshold = x[indices[0]];
            for (int bound = i + F.loopBound(to - i); i < bound; i += L) {
                if (FloatVector.fromArray(F, x, i).compare(VectorOperators.GT, threshold).anyTrue()) {
                    for (int j = i; j < i + L; j++) {
                        size = TopKHeap.offer(x, indices, size, capacity, j);
                    }
                    threshold = x[indices[0]];
                }
            }
        }
        for (; i < to; i++) {
            size = TopKHeap.offer(x, indices, size, capacity, i);
        }
        TopKHeap.sortBestFirst(x, indices, size);
        return size;
    }
}
