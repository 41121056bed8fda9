package dev.spruce.model;

/**
 * Keys and values of past positions for every layer and KV head of one sequence, and attention
 * over them. The forward pass stores each new position's (RoPE-rotated) key and value, then asks
 * the cache to attend; a cache decides how it stores them (dense F32, BF16, compressed) and which
 * positions it reads.
 *
 * <p>Not thread-safe for writes; {@link #attend} may be called concurrently for different heads
 * once the positions it reads are stored.
 */
public interface KvCache {

    /** Positions the cache can hold. */
    int maxPositions();

    /**
     * Stores the key and value of {@code position} for all KV heads of {@code layer}: {@code kvDim}
     * floats each, head after head.
     */
    void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset);

    /**
     * Attention of one query head over positions {@code [0, length)} of KV head {@code kvHead}:
     * softmax of scaled dot products, then the weighted sum of values into
     * {@code out[outOffset .. + headDim)}.
     *
     * @param scores scratch of at least {@code length} floats
     */
    void attend(int layer, int kvHead, float[] q, int qOffset, int length, float scale, float[] scores,
                float[] out, int outOffset);

    /**
     * {@link #attend} for {@code heads} query heads of KV head {@code kvHead} (grouped-query
     * attention): head {@code h}'s query at {@code q[qOffset + h * headDim ..]}, its output at
     * {@code out[outOffset + h * headDim ..]}. A cache may read its keys and values once for all of
     * them; by default each head attends in turn.
     *
     * @param scores scratch of at least {@code heads * length} floats
     */
    default void attendGroup(int layer, int kvHead, float[] q, int qOffset, int heads, int headDim, int length,
                             float scale, float[] scores, float[] out, int outOffset) {
        for (int h = 0; h < heads; h++) {
            attend(layer, kvHead, q, qOffset + h * headDim, length, scale, scores, out, outOffset + h * headDim);
        }
    }

    /** Bytes held for the key and value of one position across all layers and heads. */
    long bytesPerPosition();

    /** Bytes the cache holds in all. */
    long bytes();
}
