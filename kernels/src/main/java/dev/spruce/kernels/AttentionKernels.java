package dev.spruce.kernels;

/**
 * Kernels of sparse and compressed attention (Double Sparsity's label cache, top-k token
 * selection, attention over a gathered subset of cached positions), implemented twice like
 * {@link Kernels}: {@code SimdAttentionKernels} on the Vector API and {@code ScalarAttentionKernels},
 * its plain-Java twin. Obtain one from {@link AttentionKernelProvider#get()}.
 *
 * <p>Label caches are stored channel-major, {@code [channel][position]}, so scoring every cached
 * position against one query is a sum of a few long rows scaled by the query's channels: the loop
 * vectorises along positions whatever the (small) number of channels. Implementations are stateless
 * and thread-safe; bad ranges throw {@link IndexOutOfBoundsException} before any work is done.
 */
public interface AttentionKernels {

    /** {@code "simd"} or {@code "scalar"}, as {@link Kernels#name()}. */
    String name();

    /**
     * Approximate attention scores from an F32 label cache: for {@code t < length},
     * {@code scores[t] = sum_c q[qOffset + c] * labels[offset + c * stride + t]} over
     * {@code c < channels}, accumulated with one fused multiply-add per channel in channel order,
     * so the twins agree bit for bit.
     *
     * @param q      the query's label: its {@code channels} selected channels, gathered
     * @param stride elements between consecutive channels' rows (at least {@code length})
     */
    void labelScores(float[] q, int qOffset, int channels, float[] labels, int offset, int stride, int length,
                     float[] scores);

    /**
     * Approximate scores from a 4-bit label cache quantised per position: channel {@code c} of
     * position {@code t} is {@code min[mOffset + t] + scale[mOffset + t] * code}, the code being the
     * low nibble of {@code codes[offset + (c / 2) * stride + t]} for even {@code c} and its high
     * nibble for odd {@code c}. Computes {@code scores[t] = fma(scale_t, sum_c q_c * code_{c,t},
     * min_t * sum_c q_c)} with the inner sum in channel order, so the twins agree bit for bit.
     */
    void labelScores4(float[] q, int qOffset, int channels, byte[] codes, int offset, int stride, float[] scale,
                      float[] min, int mOffset, int length, float[] scores);

    /**
     * Selects the {@code k} largest of {@code scores[0 .. length)}: writes their indices to
     * {@code positions[0 ..)} in increasing order (so the gathered rows are read front to back).
     * Among equal values at the threshold the lower indices are taken; NaN is never chosen.
     *
     * @param scratch at least {@code length} floats, overwritten
     * @return how many indices were written: {@code min(k, number of non-NaN scores)}
     */
    int selectTop(float[] scores, int length, int k, int[] positions, float[] scratch);

    /**
     * Attention of one query head over the cached positions {@code positions[0 .. count)} only:
     * {@code scores[j] = dot(q, k_{positions[j]}) * scale}, softmax over {@code j}, then
     * {@code out[outOffset + d] = sum_j p_j * v_{positions[j]}[d]}. On return
     * {@code scores[0 .. count)} holds the probabilities. Same contract as
     * {@link Kernels#attention} otherwise.
     */
    void gatheredAttention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int[] positions,
                           int count, float scale, float[] scores, float[] out, int outOffset);
}
