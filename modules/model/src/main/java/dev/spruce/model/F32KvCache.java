package dev.spruce.model;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.KvRows;

/**
 * The exact dense cache: per layer, one float array of keys and one of values, laid out head-major,
 * {@code [kvHead][position][headDim]}, attended by the fused attention kernel, the query heads of a
 * KV head together (grouped attention reads the head's keys and values once for all of them).
 * Head-major, a head's rows follow each other in memory, so attention streams whole cache lines
 * and pages instead of a head's slice of every position's row (at 16K positions SmolLM2's grouped
 * attention took half the time this way).
 */
final class F32KvCache implements KvCache {

    private final int maxPositions;
    private final int kvDim;
    private final int kvHeads;
    private final int headDim;
    private final float[][] keys;
    private final float[][] values;
    private final KvRows[][] keyRows;
    private final KvRows[][] valueRows;
    private final Kernels kernels;

    F32KvCache(ModelConfig config, int maxPositions, Kernels kernels) {
        KvShape.check(config, maxPositions);
        this.maxPositions = maxPositions;
        this.kvDim = config.kvDim();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.kernels = kernels;
        int layers = config.numLayers();
        keys = new float[layers][maxPositions * kvDim];
        values = new float[layers][maxPositions * kvDim];
        keyRows = new KvRows[layers][config.numKvHeads()];
        valueRows = new KvRows[layers][config.numKvHeads()];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < config.numKvHeads(); h++) {
                keyRows[l][h] = new KvRows(keys[l], h * maxPositions * headDim, headDim);
                valueRows[l][h] = new KvRows(values[l], h * maxPositions * headDim, headDim);
            }
        }
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        KvShape.checkPosition(position, maxPositions);
        for (int h = 0; h < kvHeads; h++) {
            int at = (h * maxPositions + position) * headDim;
            System.arraycopy(k, kOffset + h * headDim, keys[layer], at, headDim);
            System.arraycopy(v, vOffset + h * headDim, values[layer], at, headDim);
        }
    }

    @Override
    public void attend(int layer, int kvHead, float[] q, int qOffset, int length, float scale, float[] scores,
                       float[] out, int outOffset) {
        kernels.attention(q, qOffset, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead], length, scale,
                scores, out, outOffset);
    }

    @Override
    public void attendGroup(int layer, int kvHead, float[] q, int qOffset, int heads, int headDim, int length,
                            float scale, float[] scores, float[] out, int outOffset) {
        kernels.groupedAttention(q, qOffset, heads, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead], length,
                scale, scores, out, outOffset);
    }

    @Override
    public long bytesPerPosition() {
        return 2L * keys.length * kvDim * Float.BYTES;
    }

    @Override
    public long bytes() {
        return bytesPerPosition() * maxPositions;
    }
}
