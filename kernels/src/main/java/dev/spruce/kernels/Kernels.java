package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The numeric kernels of the dense inference engine, implemented twice: {@code SimdKernels} on the
 * Vector API and {@code ScalarKernels}, its plain-Java twin that computes the same thing with the
 * same fused multiply-adds, so the two agree to a size-scaled rounding tolerance. Obtain one from
 * {@link KernelProvider#get()} once (for example when a model loads) and keep it.
 *
 * <p>Conventions, so call sites read alike:
 * <ul>
 *   <li>Weights are read from a {@link MemorySegment} (typically a memory-mapped safetensors
 *       tensor), little-endian, unaligned; their positions are <em>element</em> indices, not bytes.
 *   <li>Activations, caches and outputs are {@code float[]} with an explicit offset, so a caller
 *       can keep a whole batch or a whole cache in one array; every kernel touches only the range
 *       it is given.
 *   <li>Inputs come first and the output array last; an output may be the same array as an input
 *       range only where the method says so.
 *   <li>Bad ranges throw {@link IndexOutOfBoundsException} before any work is done.
 * </ul>
 * Implementations are stateless and thread-safe; parallel callers split work by row range.
 */
public interface Kernels {

    /** {@code "simd"} or {@code "scalar"}: the value of {@code -Dspruce.kernels} that selects this implementation. */
    String name();

    /** Width of the float vectors used, in bits: 128, 256 or 512, or 32 for the scalar twin (one lane). */
    int vectorBits();

    /** {@code sum(a[aOffset + i] * b[bOffset + i])} for {@code i < length}. */
    float dot(float[] a, int aOffset, float[] b, int bOffset, int length);

    /** Dot product of {@code length} F32 weights starting at element {@code wIndex} with {@code x[xOffset..]}. */
    float dotF32(MemorySegment w, long wIndex, float[] x, int xOffset, int length);

    /** Dot product of {@code length} BF16 weights starting at element {@code wIndex} with {@code x[xOffset..]}. */
    float dotBf16(MemorySegment w, long wIndex, float[] x, int xOffset, int length);

    /** Dot product of {@code length} F16 weights starting at element {@code wIndex} with {@code x[xOffset..]}. */
    float dotF16(MemorySegment w, long wIndex, float[] x, int xOffset, int length);

    /** Dot product for a weight type chosen at run time; prefer the specialised methods in loops. */
    default float dot(WeightDtype dtype, MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        return switch (dtype) {
            case F32 -> dotF32(w, wIndex, x, xOffset, length);
            case BF16 -> dotBf16(w, wIndex, x, xOffset, length);
            case F16 -> dotF16(w, wIndex, x, xOffset, length);
        };
    }

    /**
     * Widens {@code length} weights starting at element {@code wIndex} to floats, exactly (an
     * embedding lookup, or dequantising a norm weight once at load time).
     */
    void toFloats(WeightDtype dtype, MemorySegment w, long wIndex, float[] out, int outOffset, int length);

    /**
     * {@code out[outOffset + i] = fma(a, w[wIndex + i], out[outOffset + i])} for {@code i < length}:
     * the weighted sum of attention over a cache stored in reduced precision. Lane-wise, so the
     * twins agree bit for bit.
     */
    void addScaled(WeightDtype dtype, MemorySegment w, long wIndex, float a, float[] out, int outOffset, int length);

    /**
     * For {@code j} in {@code [from, to)}: {@code target[t + j] = fma(c, source[o + j], target[t + j])},
     * in double: the update of Hessian accumulation and SparseGPT's weight corrections. Lane-wise, so
     * the twins agree bit for bit.
     */
    void addScaled(double[] target, int t, double[] source, int o, double c, int from, int to);

    /**
     * Four {@link #addScaled(double[], int, double[], int, double, int, int)} folded into one pass:
     * {@code target[t + j] = fma(c3, s[o3 + j], fma(c2, s[o2 + j], fma(c1, s[o1 + j], fma(c0, s[o0 + j],
     * target[t + j]))))} with {@code s = source}, so each load and store of the target carries four
     * fused multiply-adds.
     */
    void addScaled4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                    double c0, double c1, double c2, double c3, int from, int to);

    /**
     * Decode-time matrix × vector: {@code out[r] = dot(w[r, :], x)} for {@code r} in
     * {@code [rowStart, rowEnd)}. {@code x} holds {@code w.cols()} floats from index 0 and
     * {@code out} is indexed by absolute row, so threads can share it and split the rows.
     */
    void matvec(DenseMatrix w, float[] x, float[] out, int rowStart, int rowEnd);

    /**
     * Prefill matrix × small batch: {@code out[b * w.rows() + r] = dot(w[r, :], x[b * w.cols() ..])}
     * for {@code b < batch} and {@code r} in {@code [rowStart, rowEnd)}, i.e. {@code X} is
     * {@code [batch][cols]} and {@code out} is {@code [batch][rows]}. Each weight chunk read is
     * reused across the batch, so this beats {@code batch} calls of {@link #matvec}.
     */
    void matmul(DenseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd);

    /**
     * Decode-time sparse matrix × vector: {@code out[r] = sum over kept c of w[r, c] * x[c]} for
     * {@code r} in {@code [rowStart, rowEnd)}, with the conventions of {@link #matvec}.
     */
    void sparseMatvec(SparseMatrix w, float[] x, float[] out, int rowStart, int rowEnd);

    /** Prefill sparse matrix × small batch, with the layout and conventions of {@link #matmul}. */
    void sparseMatmul(SparseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd);

    /** Row {@code row} of {@code w} as {@code w.cols()} floats, zeros where nothing is kept; exact. */
    void sparseRowToFloats(SparseMatrix w, int row, float[] out, int outOffset);

    /**
     * RMSNorm as in Llama: {@code out[i] = weight[i] * (x[i] / sqrt(mean(x^2) + eps))} over
     * {@code length} elements; {@code weight} is indexed from 0. {@code out} may be {@code x} at the
     * same offset.
     */
    void rmsNorm(float[] x, int xOffset, float[] weight, float eps, float[] out, int outOffset, int length);

    /**
     * Rotates {@code heads} consecutive head vectors of {@code table.headDim()} floats starting at
     * {@code x[xOffset]}, in place, to {@code position} (Hugging Face "rotate half": element {@code i}
     * pairs with {@code i + headDim/2}).
     */
    void rope(RopeTable table, int position, float[] x, int xOffset, int heads);

    /** SwiGLU's gate: {@code out[i] = silu(gate[i]) * up[i]}, {@code silu(g) = g / (1 + exp(-g))}; {@code out} may alias either input. */
    void siluMul(float[] gate, int gateOffset, float[] up, int upOffset, float[] out, int outOffset, int length);

    /** Softmax of {@code x[from..to)} in place, subtracting the maximum first; the range needs one finite value. */
    void softmax(float[] x, int from, int to);

    /**
     * Attention of one query head over {@code length} cached positions:
     * {@code scores[t] = dot(q, k_t) * scale}, softmax over {@code t}, then
     * {@code out[outOffset + d] = sum_t p_t * v_t[d]}. On return {@code scores[0..length)} holds the
     * probabilities {@code p_t}, which eviction policies (H2O) accumulate.
     *
     * @param q query vector at {@code q[qOffset .. qOffset + headDim)}
     * @param headDim elements per head
     * @param keys where position {@code t}'s key starts: {@code keys.start(t)}
     * @param values where position {@code t}'s value starts
     * @param length number of positions, at least 1
     * @param scale usually {@code 1 / sqrt(headDim)}
     * @param scores scratch of at least {@code length} floats, indexed from 0
     * @param out receives {@code headDim} floats at {@code outOffset}; must not overlap the inputs
     */
    void attention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int length, float scale,
                   float[] scores, float[] out, int outOffset);

    /**
     * {@link #attention} of {@code heads} query heads that share one KV head (grouped-query
     * attention): head {@code h}'s query is {@code q[qOffset + h * headDim ..]} and its output goes
     * to {@code out[outOffset + h * headDim ..]}; each head's output is computed with the same
     * operations, in the same order, as {@link #attention} of this implementation computes it. The
     * point is memory traffic: the keys and values
     * are read once for all the heads (in tiles of positions that stay in cache while every head of
     * the group passes over them) instead of once per head.
     *
     * @param scores scratch of at least {@code heads * length} floats, overwritten
     */
    void groupedAttention(float[] q, int qOffset, int heads, int headDim, KvRows keys, KvRows values, int length,
                          float scale, float[] scores, float[] out, int outOffset);

    /**
     * Index in {@code [from, to)} of the largest value, the lowest index on ties; NaN is never
     * chosen, and {@code from} is returned when nothing exceeds negative infinity.
     */
    int argmax(float[] x, int from, int to);

    /**
     * Writes to {@code indices[0..)} the indices in {@code [from, to)} of the {@code k} largest
     * values, largest first, the lower index first on ties; NaN is never chosen.
     *
     * @return how many indices were written: {@code min(k, number of non-NaN values)}
     */
    int topK(float[] x, int from, int to, int k, int[] indices);
}
