package dev.spruce.model.attention;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.KvRows;
import dev.spruce.model.PolicyKvCache;

/**
 * H2O (Zhang et al., 2023): per layer and KV head, a fixed budget of slots holding the heavy
 * hitters (positions with the most accumulated attention) and the recent window; the rest are
 * evicted and gone. Memory is the budget's, not the context's. Runs position by position: the
 * position about to attend is admitted first (evicting if full), its heads attend over the slots,
 * and their attention probabilities accumulate into the slots' masses.
 */
final class H2oKvCache implements PolicyKvCache {

    private final int maxPositions;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    private final int budget;
    private final HeavyHitterSlots[][] slots;
    private final float[][][] keys;
    private final float[][][] values;
    private final KvRows[][] keyRows;
    private final KvRows[][] valueRows;
    private final StagedKeyValues[] staged;
    /** Per query head, the probabilities it paid each slot at the current position (summed per group at its end). */
    private final float[][] probabilities;
    private final Kernels kernels;

    H2oKvCache(ModelConfig config, int maxPositions, H2oSettings settings, Kernels kernels) {
        Positions.checkCapacity(maxPositions);
        this.maxPositions = maxPositions;
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.group = config.numHeads() / kvHeads;
        this.budget = settings.budgetFor(maxPositions);
        this.kernels = kernels;
        int layers = config.numLayers();
        int recent = settings.recentFor(budget);
        slots = new HeavyHitterSlots[layers][kvHeads];
        keys = new float[layers][kvHeads][budget * headDim];
        values = new float[layers][kvHeads][budget * headDim];
        keyRows = new KvRows[layers][kvHeads];
        valueRows = new KvRows[layers][kvHeads];
        staged = new StagedKeyValues[layers];
        probabilities = new float[config.numHeads()][budget];
        for (int l = 0; l < layers; l++) {
            staged[l] = new StagedKeyValues(config.kvDim());
            for (int h = 0; h < kvHeads; h++) {
                slots[l][h] = new HeavyHitterSlots(budget, recent);
                keyRows[l][h] = new KvRows(keys[l][h], 0, headDim);
                valueRows[l][h] = new KvRows(values[l][h], 0, headDim);
            }
        }
    }

    @Override
    public boolean sequential() {
        return true;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        Positions.check(position, maxPositions);
        if (position == 0) {
            for (HeavyHitterSlots s : slots[layer]) {
                s.clear();
            }
        }
        staged[layer].put(position, k, kOffset, v, vOffset);
    }

    @Override
    public void beginPosition(int layer, int position) {
        StagedKeyValues stage = staged[layer];
        int at = stage.offset(position);
        for (int h = 0; h < kvHeads; h++) {
            int slot = slots[layer][h].admit(position);
            System.arraycopy(stage.keys(), at + h * headDim, keys[layer][h], slot * headDim, headDim);
            System.arraycopy(stage.values(), at + h * headDim, values[layer][h], slot * headDim, headDim);
        }
        stage.taken(position);
    }

    /** The group's attention at this position joins each slot's accumulated mass. */
    @Override
    public void endPosition(int layer, int position) {
        for (int h = 0; h < kvHeads; h++) {
            slots[layer][h].accumulate(probabilities, h * group, group);
        }
    }

    @Override
    public void attendHead(int layer, int queryHead, int kvHead, float[] q, int qOffset, int length, float scale,
                           float[] scores, float[] out, int outOffset) {
        HeavyHitterSlots s = slots[layer][kvHead];
        kernels.attention(q, qOffset, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead], s.used(), scale,
                scores, out, outOffset);
        System.arraycopy(scores, 0, probabilities[queryHead], 0, s.used());
    }

    @Override
    public long bytesPerPosition() {
        return bytes() / maxPositions;
    }

    @Override
    public long bytes() {
        long sum = (long) probabilities.length * budget * Float.BYTES;
        for (int l = 0; l < slots.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                sum += 2L * budget * headDim * Float.BYTES + slots[l][h].bytes();
            }
        }
        return sum;
    }
}
