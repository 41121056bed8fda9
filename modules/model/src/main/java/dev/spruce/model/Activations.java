package dev.spruce.model;

import dev.spruce.checkpoint.config.ModelConfig;

/**
 * Scratch buffers of the forward pass for up to {@link #capacity} tokens at once, all row-major
 * {@code [token][features]} from index 0 (the layout the matrix kernels take). The residual's rows
 * are as wide as the block about to read it: the hidden size, or less in a sliced model, whose
 * widths never exceed it.
 */
public final class Activations {

    final int capacity;
    /** The residual stream. */
    public final float[] x;
    /** Normalised input of the attention or MLP linears. */
    public final float[] xb;
    /** Output of o_proj or down_proj before the residual add. */
    final float[] delta;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final float[] gate;
    final float[] up;
    /** Per worker, attention scores over the cached positions of every query head of a KV head's group. */
    final float[][] scores;

    /**
     * @param capacity tokens per forward call
     * @param maxPositions the longest sequence attention will see
     * @param workers threads of the pool that will run the pass
     */
    public Activations(ModelConfig c, int capacity, int maxPositions, int workers) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        x = new float[capacity * c.hiddenSize()];
        xb = new float[capacity * c.hiddenSize()];
        delta = new float[capacity * c.hiddenSize()];
        q = new float[capacity * c.queryDim()];
        k = new float[capacity * c.kvDim()];
        v = new float[capacity * c.kvDim()];
        att = new float[capacity * c.queryDim()];
        gate = new float[capacity * c.intermediateSize()];
        up = new float[capacity * c.intermediateSize()];
        scores = new float[workers][c.numHeads() / c.numKvHeads() * maxPositions];
    }

    /** Tokens per forward call. */
    public int capacity() {
        return capacity;
    }
}
