package dev.spruce.model;

/**
 * A KV cache with an attention policy of its own (sparse selection, eviction, mixed precision):
 * it is told which query head attends, and a cache whose state changes with every position
 * (accumulated attention, eviction) is run one position at a time, so a batch of positions
 * (prefill, or a teacher-forced evaluation window) gives exactly what decoding them one by one gives.
 *
 * <p>For a {@link #sequential()} cache the forward pass calls, for each position {@code p} of a
 * batch in order: {@link #beginPosition}, then {@link #attendHead} for every query head
 * (concurrently), then {@link #endPosition}. Otherwise it calls {@link #attendHead} for every
 * position and head of the batch concurrently, after all of them were stored.
 */
public interface PolicyKvCache extends KvCache {

    /** Whether positions of a batch must attend one at a time, in order. */
    boolean sequential();

    /** Before the heads of {@code position} attend in {@code layer} (sequential caches only). */
    default void beginPosition(int layer, int position) {
    }

    /**
     * Attention of query head {@code queryHead} (of KV head {@code kvHead}) at position
     * {@code length - 1} over the positions the policy keeps of {@code [0, length)}; the result goes
     * to {@code out[outOffset .. + headDim)}. Called concurrently for different query heads.
     *
     * @param scores scratch of at least {@link #maxPositions()} floats
     */
    void attendHead(int layer, int queryHead, int kvHead, float[] q, int qOffset, int length, float scale,
                    float[] scores, float[] out, int outOffset);

    /**
     * {@link #attendHead} for query heads {@code firstHead .. firstHead + heads} (all of KV head
     * {@code kvHead}), their queries and outputs {@code headDim} apart. A cache whose heads read
     * the same positions (a dense layer) may read them once for all; by default each head attends
     * in turn.
     *
     * @param scores scratch of at least {@code heads * maxPositions()} floats
     */
    default void attendHeads(int layer, int firstHead, int heads, int kvHead, float[] q, int qOffset, int headDim,
                             int length, float scale, float[] scores, float[] out, int outOffset) {
        for (int h = 0; h < heads; h++) {
            attendHead(layer, firstHead + h, kvHead, q, qOffset + h * headDim, length, scale, scores, out,
                    outOffset + h * headDim);
        }
    }

    /** After every head of {@code position} attended in {@code layer} (sequential caches only). */
    default void endPosition(int layer, int position) {
    }

    /** Query heads per KV head do not matter to callers of plain {@link #attend}: it is query head 0's view. */
    @Override
    default void attend(int layer, int kvHead, float[] q, int qOffset, int length, float scale, float[] scores,
                        float[] out, int outOffset) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " needs the query head: the forward pass calls attendHead");
    }
}
