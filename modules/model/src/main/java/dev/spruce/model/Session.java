package dev.spruce.model;

/**
 * One sequence being run: its KV cache, its position and scratch space. Feed tokens with
 * {@link #forward}; prompts go through in chunks of {@link Activations#capacity()} tokens (a
 * prefill), generated tokens one at a time (decode steps). Not thread-safe.
 */
public final class Session implements AutoCloseable {

    private final Transformer transformer;
    private final KvCache cache;
    private final Activations activations;
    private final int vocab;
    private int position;

    /**
     * @param chunk tokens per forward call during prefill (memory grows with it; 32–128 is plenty)
     */
    public Session(Transformer transformer, KvCache cache, int chunk) {
        this.transformer = transformer;
        this.cache = cache;
        this.vocab = transformer.model().config().vocabSize();
        this.activations = new Activations(transformer.model().config(), chunk, cache.maxPositions(),
                transformer.pool().threads());
    }

    /** The next position to be filled: the number of tokens seen. */
    public int position() {
        return position;
    }

    public KvCache cache() {
        return cache;
    }

    /** Positions the session can hold. */
    public int maxPositions() {
        return Math.min(cache.maxPositions(), transformer.model().rope().maxPositions());
    }

    /** The kernels of the model the session runs. */
    public dev.spruce.kernels.Kernels kernels() {
        return transformer.model().kernels();
    }

    /** Logits per token. */
    public int vocabSize() {
        return vocab;
    }

    /** Forgets the sequence (the cache is overwritten from position 0). */
    public void reset() {
        position = 0;
    }

    /**
     * Runs {@code tokens[from .. from + count)} at the next positions.
     *
     * @param allLogits return the logits after every token ({@code [count][vocab]}) rather than
     *                  only after the last ({@code [vocab]})
     */
    public float[] forward(int[] tokens, int from, int count, boolean allLogits) {
        if (count < 1) {
            throw new IllegalArgumentException("nothing to run: " + count + " tokens");
        }
        if (position + count > maxPositions()) {
            throw new IllegalArgumentException("the sequence would reach " + (position + count)
                    + " tokens; the context holds " + maxPositions());
        }
        float[] logits = new float[allLogits ? count * vocab : vocab];
        // One chunk (every decode step, most eval calls) writes its logits straight into the result.
        float[] chunkLogits = !allLogits || count <= activations.capacity ? logits
                : new float[activations.capacity * vocab];
        int layers = transformer.model().layers().size();
        for (int done = 0; done < count; ) {
            int batch = Math.min(activations.capacity, count - done);
            transformer.embed(tokens, from + done, batch, activations);
            for (int l = 0; l < layers; l++) {
                transformer.block(l, activations, batch, position, cache);
            }
            boolean last = done + batch == count;
            if (allLogits) {
                transformer.head(activations, batch, true, chunkLogits);
                if (chunkLogits != logits) {
                    System.arraycopy(chunkLogits, 0, logits, done * vocab, batch * vocab);
                }
            } else if (last) {
                transformer.head(activations, batch, false, logits);
            }
            position += batch;
            done += batch;
        }
        return logits;
    }

    /** Counts a token run for this session by a {@link BatchDecoder} (its key and value are cached). */
    void advance() {
        position++;
    }

    /** One decode step: the logits after {@code token}. */
    public float[] decode(int token) {
        return forward(new int[] {token}, 0, 1, false);
    }

    /** Closes the cache when it holds off-heap memory. */
    @Override
    public void close() {
        if (cache instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
