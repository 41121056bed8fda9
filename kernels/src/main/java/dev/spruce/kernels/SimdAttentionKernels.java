package dev.spruce.kernels;

import java.util.Objects;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API implementation of {@link AttentionKernels}, at the width of {@link SimdSpecies}.
 * Label scoring runs along positions (the label cache is channel-major), so it vectorises fully
 * for any number of channels; each lane accumulates in the scalar twin's channel order and the two
 * agree bit for bit. Selection samples the scores to bound the quickselect to about k candidates.
 */
final class SimdAttentionKernels implements AttentionKernels {

    static final SimdAttentionKernels INSTANCE = new SimdAttentionKernels();

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = SimdSpecies.LANES;
    /** Bytes loaded per step of 4-bit scoring: 8 (two float vectors at 128 bits, one at 256) or 16 at 512. */
    private static final VectorSpecies<Byte> B = L <= 8 ? ByteVector.SPECIES_64 : ByteVector.SPECIES_128;
    private static final int BL = B.length();
    /** Every SAMPLE-th score estimates the threshold of a large selection. */
    private static final int SAMPLE = 16;

    private SimdAttentionKernels() {
    }

    @Override
    public String name() {
        return KernelProvider.SIMD;
    }

    /**
     * Four vectors of positions per step, each an independent FMA chain over the channels (one
     * broadcast of the query channel feeds all four), so the chain latency is hidden for the 8–32
     * channels labels have.
     */
    @Override
    public void labelScores(float[] q, int qOffset, int channels, float[] labels, int offset, int stride, int length,
                            float[] scores) {
        AttentionChecks.checkLabels(q, qOffset, channels, labels.length, offset, channels, stride, length, scores);
        int t = 0;
        for (; t + 4 * L <= length; t += 4 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int c = 0; c < channels; c++) {
                FloatVector qc = FloatVector.broadcast(F, q[qOffset + c]);
                int row = offset + c * stride + t;
                acc0 = FloatVector.fromArray(F, labels, row).fma(qc, acc0);
                acc1 = FloatVector.fromArray(F, labels, row + L).fma(qc, acc1);
                acc2 = FloatVector.fromArray(F, labels, row + 2 * L).fma(qc, acc2);
                acc3 = FloatVector.fromArray(F, labels, row + 3 * L).fma(qc, acc3);
            }
            acc0.intoArray(scores, t);
            acc1.intoArray(scores, t + L);
            acc2.intoArray(scores, t + 2 * L);
            acc3.intoArray(scores, t + 3 * L);
        }
        for (; t + L <= length; t += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < channels; c++) {
                acc = FloatVector.fromArray(F, labels, offset + c * stride + t)
                        .fma(FloatVector.broadcast(F, q[qOffset + c]), acc);
            }
            acc.intoArray(scores, t);
        }
        for (; t < length; t++) {
            scores[t] = ScalarAttentionKernels.labelScore(q, qOffset, channels, labels, offset, stride, t);
        }
    }

    /**
     * One byte load covers {@code BL} positions of a channel pair; it widens to int lanes (one or
     * two float vectors' worth), the nibbles are masked out and converted exactly to floats.
     */
    @Override
    public void labelScores4(float[] q, int qOffset, int channels, byte[] codes, int offset, int stride, float[] scale,
                             float[] min, int mOffset, int length, float[] scores) {
        AttentionChecks.checkLabels(q, qOffset, channels, codes.length, offset, (channels + 1) / 2, stride, length,
                scores);
        Objects.checkFromIndexSize(mOffset, length, scale.length);
        Objects.checkFromIndexSize(mOffset, length, min.length);
        float qSum = ScalarAttentionKernels.querySum(q, qOffset, channels);
        int parts = BL / L;
        int t = 0;
        for (; t + BL <= length; t += BL) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int c = 0; c < channels; c += 2) {
                ByteVector bytes = ByteVector.fromArray(B, codes, offset + (c >> 1) * stride + t);
                FloatVector qLow = FloatVector.broadcast(F, q[qOffset + c]);
                boolean pair = c + 1 < channels;
                FloatVector qHigh = pair ? FloatVector.broadcast(F, q[qOffset + c + 1]) : null;
                IntVector w0 = (IntVector) bytes.convertShape(VectorOperators.B2I, I, 0);
                acc0 = nibble(w0, 0).fma(qLow, acc0);
                if (pair) {
                    acc0 = nibble(w0, 4).fma(qHigh, acc0);
                }
                if (parts == 2) {
                    IntVector w1 = (IntVector) bytes.convertShape(VectorOperators.B2I, I, 1);
                    acc1 = nibble(w1, 0).fma(qLow, acc1);
                    if (pair) {
                        acc1 = nibble(w1, 4).fma(qHigh, acc1);
                    }
                }
            }
            finish4(acc0, scale, min, mOffset + t, qSum, scores, t);
            if (parts == 2) {
                finish4(acc1, scale, min, mOffset + t + L, qSum, scores, t + L);
            }
        }
        for (; t < length; t++) {
            scores[t] = ScalarAttentionKernels.labelScore4(q, qOffset, channels, codes, offset, stride,
                    scale[mOffset + t], min[mOffset + t], qSum, t);
        }
    }

    private static FloatVector nibble(IntVector widened, int shift) {
        IntVector v = shift == 0 ? widened : widened.lanewise(VectorOperators.ASHR, shift);
        return (FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0);
    }

    private static void finish4(FloatVector acc, float[] scale, float[] min, int m, float qSum, float[] scores, int t) {
        FloatVector offsetPart = FloatVector.fromArray(F, min, m).mul(qSum);
        FloatVector.fromArray(F, scale, m).fma(acc, offsetPart).intoArray(scores, t);
    }

    /**
     * For a large selection, the threshold is first estimated from every {@code SAMPLE}-th score
     * (at a slightly lower rank, so it falls below the true k-th largest almost always); one vector
     * pass keeps the scores at or above it, and the exact k-th largest is found among those few.
     * If fewer than k survive, the estimate was too high and the full quickselect runs instead, so
     * the result is always exact and equal to the scalar twin's.
     */
    @Override
    public int selectTop(float[] scores, int length, int k, int[] positions, float[] scratch) {
        TopSelection.check(scores, length, k, positions, scratch);
        if (k == 0) {
            return 0;
        }
        float threshold = Float.NaN;
        int candidates = 0;
        if (k < length && length >= 64 * L) {
            int sampled = 0;
            for (int t = 0; t < length; t += SAMPLE) {
                if (!Float.isNaN(scores[t])) {
                    scratch[sampled++] = scores[t];
                }
            }
            int rank = k / SAMPLE + 2 * (int) Math.sqrt(k / SAMPLE + 1) + 4;
            if (rank < sampled) {
                float estimate = TopSelection.kthLargest(scratch, sampled, rank);
                candidates = keepAtLeast(scores, length, estimate, scratch);
                if (candidates >= k) {
                    threshold = TopSelection.kthLargest(scratch, candidates, k);
                }
            }
        }
        if (Float.isNaN(threshold)) {
            int m = TopSelection.copyNonNaN(scores, length, scratch);
            if (k >= m) {
                return TopSelection.allNonNaN(scores, length, positions);
            }
            threshold = TopSelection.kthLargest(scratch, m, k);
        }
        int above = countAbove(scores, length, threshold);
        return collect(scores, length, threshold, above, k, positions);
    }

    /** Copies every score {@code >= floor} to {@code kept}, in order; NaN fails the compare. */
    private static int keepAtLeast(float[] x, int length, float floor, float[] kept) {
        int n = 0;
        int t = 0;
        for (int bound = F.loopBound(length); t < bound; t += L) {
            long bits = FloatVector.fromArray(F, x, t).compare(VectorOperators.GE, floor).toLong();
            while (bits != 0) {
                kept[n++] = x[t + Long.numberOfTrailingZeros(bits)];
                bits &= bits - 1;
            }
        }
        for (; t < length; t++) {
            if (x[t] >= floor) {
                kept[n++] = x[t];
            }
        }
        return n;
    }

    private static int countAbove(float[] x, int length, float threshold) {
        int n = 0;
        int t = 0;
        for (int bound = F.loopBound(length); t < bound; t += L) {
            n += FloatVector.fromArray(F, x, t).compare(VectorOperators.GT, threshold).trueCount();
        }
        for (; t < length; t++) {
            if (x[t] > threshold) {
                n++;
            }
        }
        return n;
    }

    /** {@link TopSelection#collect} with a vector compare skipping chunks that hold no candidate. */
    private static int collect(float[] x, int length, float threshold, int above, int k, int[] positions) {
        int ties = k - above;
        int n = 0;
        int t = 0;
        for (int bound = F.loopBound(length); t < bound && n < k; t += L) {
            long bits = FloatVector.fromArray(F, x, t).compare(VectorOperators.GE, threshold).toLong();
            while (bits != 0) {
                int j = t + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (x[j] > threshold || ties-- > 0) {
                    positions[n++] = j;
                }
            }
        }
        for (; t < length && n < k; t++) {
            float v = x[t];
            if (v > threshold || (v == threshold && ties-- > 0)) {
                positions[n++] = t;
            }
        }
        return n;
    }

    @Override
    public void gatheredAttention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int[] positions,
                                  int count, float scale, float[] scores, float[] out, int outOffset) {
        AttentionChecks.checkGathered(q, qOffset, headDim, keys, values, positions, count, scores, out, outOffset);
        gatheredScores(q, qOffset, headDim, keys, positions, count, scale, scores);
        SimdKernels.INSTANCE.softmax(scores, 0, count);
        gatheredSum(headDim, values, positions, count, scores, out, outOffset);
    }

    /** Four gathered keys per step sharing each query load: four independent dot products. */
    private static void gatheredScores(float[] q, int qOffset, int headDim, KvRows keys, int[] positions, int count,
                                       float scale, float[] scores) {
        float[] k = keys.data();
        int dEnd = headDim >= L ? F.loopBound(headDim) : 0;
        int j = 0;
        if (dEnd > 0) {
            for (; j + 4 <= count; j += 4) {
                int k0 = keys.start(positions[j]);
                int k1 = keys.start(positions[j + 1]);
                int k2 = keys.start(positions[j + 2]);
                int k3 = keys.start(positions[j + 3]);
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
                scores[j] = rest(acc0, q, qOffset, k, k0, dEnd, headDim) * scale;
                scores[j + 1] = rest(acc1, q, qOffset, k, k1, dEnd, headDim) * scale;
                scores[j + 2] = rest(acc2, q, qOffset, k, k2, dEnd, headDim) * scale;
                scores[j + 3] = rest(acc3, q, qOffset, k, k3, dEnd, headDim) * scale;
            }
        }
        for (; j < count; j++) {
            int kt = keys.start(positions[j]);
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < dEnd; d += L) {
                acc = FloatVector.fromArray(F, k, kt + d).fma(FloatVector.fromArray(F, q, qOffset + d), acc);
            }
            scores[j] = rest(acc, q, qOffset, k, kt, dEnd, headDim) * scale;
        }
    }

    private static float rest(FloatVector acc, float[] q, int qOffset, float[] k, int kRow, int from, int to) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int d = from; d < to; d++) {
            sum = Math.fma(q[qOffset + d], k[kRow + d], sum);
        }
        return sum;
    }

    /**
     * {@code out = sum_j p_j v_{positions[j]}}, rows outer: each gathered value row is read whole,
     * front to back, while a block of up to 8 output vectors stays in registers (a 64-float head at
     * 256 bits is one block), so a row's cache lines are requested together instead of once per
     * output vector. Each lane still accumulates over {@code j} in order, as the scalar twin does.
     */
    private static void gatheredSum(int headDim, KvRows values, int[] positions, int count, float[] p, float[] out,
                                    int outOffset) {
        float[] v = values.data();
        int d = 0;
        for (; d + 8 * L <= headDim; d += 8 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector a6 = FloatVector.zero(F);
            FloatVector a7 = FloatVector.zero(F);
            for (int j = 0; j < count; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[j]);
                int vt = values.start(positions[j]) + d;
                a0 = FloatVector.fromArray(F, v, vt).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, vt + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, vt + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, vt + 3 * L).fma(pj, a3);
                a4 = FloatVector.fromArray(F, v, vt + 4 * L).fma(pj, a4);
                a5 = FloatVector.fromArray(F, v, vt + 5 * L).fma(pj, a5);
                a6 = FloatVector.fromArray(F, v, vt + 6 * L).fma(pj, a6);
                a7 = FloatVector.fromArray(F, v, vt + 7 * L).fma(pj, a7);
            }
            int o = outOffset + d;
            a0.intoArray(out, o);
            a1.intoArray(out, o + L);
            a2.intoArray(out, o + 2 * L);
            a3.intoArray(out, o + 3 * L);
            a4.intoArray(out, o + 4 * L);
            a5.intoArray(out, o + 5 * L);
            a6.intoArray(out, o + 6 * L);
            a7.intoArray(out, o + 7 * L);
        }
        for (; d + 4 * L <= headDim; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int j = 0; j < count; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[j]);
                int vt = values.start(positions[j]) + d;
                a0 = FloatVector.fromArray(F, v, vt).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, vt + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, vt + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, vt + 3 * L).fma(pj, a3);
            }
            int o = outOffset + d;
            a0.intoArray(out, o);
            a1.intoArray(out, o + L);
            a2.intoArray(out, o + 2 * L);
            a3.intoArray(out, o + 3 * L);
        }
        for (; d + L <= headDim; d += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < count; j++) {
                acc = FloatVector.fromArray(F, v, values.start(positions[j]) + d)
                        .fma(FloatVector.broadcast(F, p[j]), acc);
            }
            acc.intoArray(out, outOffset + d);
        }
        for (; d < headDim; d++) {
            float sum = 0f;
            for (int j = 0; j < count; j++) {
                sum = Math.fma(p[j], v[values.start(positions[j]) + d], sum);
            }
            out[outOffset + d] = sum;
        }
    }
}
