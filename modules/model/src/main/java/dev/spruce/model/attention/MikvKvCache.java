package dev.spruce.model.attention;

import java.util.Arrays;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.GroupQuantizer;
import dev.spruce.kernels.Kernels;
import dev.spruce.model.PolicyKvCache;

/**
 * MiKV (Yang et al., 2024, "No Token Left Behind"): H2O's importance decides which positions stay
 * in high precision, and the positions H2O would evict are kept instead, quantised per position in
 * groups at 2–4 bits (asymmetric round-to-nearest). Before the first position is quantised, a
 * per-channel balancer {@code b_c = sqrt(max|q_c| / max|k_c|)} is fixed from the queries and keys
 * seen so far (the prompt); low-precision keys are stored as {@code k_c · b_c} and scored against
 * {@code q_c / b_c}, which leaves {@code q · k} unchanged but evens out the key channels' ranges
 * that quantisation must cover.
 *
 * <p>Memory per layer and KV head: the high-precision budget's rows plus one low-precision row per
 * remaining position of the context (allocated up front, as the dense caches are), plus H2O's
 * bookkeeping. Runs position by position, as {@link H2oKvCache}.
 */
final class MikvKvCache implements PolicyKvCache {

    private final int maxPositions;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    private final int budget;
    private final boolean balance;
    private final HeavyHitterSlots[][] slots;
    private final RowStore[][] hpKeys;
    private final RowStore[][] hpValues;
    private final RowStore[][] lpKeys;
    private final RowStore[][] lpValues;
    private final int[][] lpCount;
    private final float[][][] balancer;   // [layer][kvHead] -> per channel, null until fixed
    private final float[][][] maxKey;     // [layer][kvHead][channel]
    private final float[][][] maxQuery;   // [layer][queryHead][channel]
    private final StagedKeyValues[] staged;
    /** Per query head, the probabilities it paid each slot at the current position (summed per group at its end). */
    private final float[][] probabilities;
    private final Kernels kernels;
    private final ThreadLocal<float[][]> scratch;

    MikvKvCache(ModelConfig config, int maxPositions, MikvSettings settings, Kernels kernels) {
        Positions.checkCapacity(maxPositions);
        this.maxPositions = maxPositions;
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.group = config.numHeads() / kvHeads;
        this.budget = settings.importance().budgetFor(maxPositions);
        this.balance = settings.balance();
        this.kernels = kernels;
        int groupSize = Math.min(settings.groupSize(), headDim);
        if (headDim % groupSize != 0) {
            throw new IllegalArgumentException("heads of " + headDim + " do not split into quantisation groups of "
                    + groupSize);
        }
        int layers = config.numLayers();
        int recent = settings.importance().recentFor(budget);
        int lowRows = Math.max(1, maxPositions - budget);
        GroupQuantizer low = new GroupQuantizer(settings.lowBits(), groupSize);
        slots = new HeavyHitterSlots[layers][kvHeads];
        hpKeys = new RowStore[layers][kvHeads];
        hpValues = new RowStore[layers][kvHeads];
        lpKeys = new RowStore[layers][kvHeads];
        lpValues = new RowStore[layers][kvHeads];
        lpCount = new int[layers][kvHeads];
        balancer = new float[layers][kvHeads][];
        maxKey = new float[layers][kvHeads][headDim];
        maxQuery = new float[layers][config.numHeads()][headDim];
        staged = new StagedKeyValues[layers];
        probabilities = new float[config.numHeads()][budget];
        for (int l = 0; l < layers; l++) {
            staged[l] = new StagedKeyValues(config.kvDim());
            for (int h = 0; h < kvHeads; h++) {
                slots[l][h] = new HeavyHitterSlots(budget, recent);
                hpKeys[l][h] = RowStore.create(settings.highPrecision(), budget, headDim, groupSize);
                hpValues[l][h] = RowStore.create(settings.highPrecision(), budget, headDim, groupSize);
                lpKeys[l][h] = new RowStore.Quantized(lowRows, headDim, low);
                lpValues[l][h] = new RowStore.Quantized(lowRows, headDim, low);
            }
        }
        scratch = ThreadLocal.withInitial(() -> new float[2][headDim]);
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
            for (int h = 0; h < kvHeads; h++) {
                slots[layer][h].clear();
                lpCount[layer][h] = 0;
                balancer[layer][h] = null;
                Arrays.fill(maxKey[layer][h], 0f);
            }
            for (float[] m : maxQuery[layer]) {
                Arrays.fill(m, 0f);
            }
        }
        staged[layer].put(position, k, kOffset, v, vOffset);
    }

    @Override
    public void beginPosition(int layer, int position) {
        StagedKeyValues stage = staged[layer];
        int at = stage.offset(position);
        float[] row = scratch.get()[0];
        for (int h = 0; h < kvHeads; h++) {
            int from = at + h * headDim;
            float[] maxK = maxKey[layer][h];
            for (int c = 0; c < headDim; c++) {
                maxK[c] = Math.max(maxK[c], Math.abs(stage.keys()[from + c]));
            }
            HeavyHitterSlots s = slots[layer][h];
            int slot = s.admit(position);
            if (s.evicted() >= 0) {
                demote(layer, h, slot, row);
            }
            hpKeys[layer][h].write(slot, stage.keys(), from);
            hpValues[layer][h].write(slot, stage.values(), from);
        }
        stage.taken(position);
    }

    /** Moves the position in high-precision {@code slot} to the next low-precision row. */
    private void demote(int layer, int kvHead, int slot, float[] row) {
        int to = lpCount[layer][kvHead]++;
        hpKeys[layer][kvHead].read(slot, row, 0);
        if (balance) {
            float[] b = balancer(layer, kvHead);
            for (int c = 0; c < headDim; c++) {
                row[c] *= b[c];
            }
        }
        lpKeys[layer][kvHead].write(to, row, 0);
        hpValues[layer][kvHead].read(slot, row, 0);
        lpValues[layer][kvHead].write(to, row, 0);
    }

    /** The balancer of a KV head, fixed on first use from the maxima seen so far. */
    private float[] balancer(int layer, int kvHead) {
        float[] b = balancer[layer][kvHead];
        if (b == null) {
            b = new float[headDim];
            float[] maxK = maxKey[layer][kvHead];
            for (int c = 0; c < headDim; c++) {
                float maxQ = 0f;
                for (int g = 0; g < group; g++) {
                    maxQ = Math.max(maxQ, maxQuery[layer][kvHead * group + g][c]);
                }
                b[c] = maxQ > 0f && maxK[c] > 0f ? (float) Math.sqrt(maxQ / maxK[c]) : 1f;
            }
            balancer[layer][kvHead] = b;
        }
        return b;
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
        float[][] s = scratch.get();
        float[] row = s[0];
        float[] balanced = s[1];
        float[] b = balancer[layer][kvHead];
        if (b == null) {
            float[] maxQ = maxQuery[layer][queryHead];
            for (int c = 0; c < headDim; c++) {
                maxQ[c] = Math.max(maxQ[c], Math.abs(q[qOffset + c]));
            }
        }
        for (int c = 0; c < headDim; c++) {
            balanced[c] = b == null ? q[qOffset + c] : q[qOffset + c] / b[c];
        }
        HeavyHitterSlots hot = slots[layer][kvHead];
        int used = hot.used();
        int low = lpCount[layer][kvHead];
        RowStore hk = hpKeys[layer][kvHead];
        RowStore lk = lpKeys[layer][kvHead];
        for (int i = 0; i < used; i++) {
            hk.read(i, row, 0);
            scores[i] = kernels.dot(q, qOffset, row, 0, headDim) * scale;
        }
        for (int i = 0; i < low; i++) {
            lk.read(i, row, 0);
            scores[used + i] = kernels.dot(balanced, 0, row, 0, headDim) * scale;
        }
        kernels.softmax(scores, 0, used + low);
        Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        addWeighted(hpValues[layer][kvHead], used, scores, 0, row, out, outOffset);
        addWeighted(lpValues[layer][kvHead], low, scores, used, row, out, outOffset);
        System.arraycopy(scores, 0, probabilities[queryHead], 0, hot.used());
    }

    /** {@code out += sum_i p[from + i] · rows[i]} for {@code i < count}. */
    private void addWeighted(RowStore rows, int count, float[] p, int from, float[] row, float[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            rows.read(i, row, 0);
            float w = p[from + i];
            for (int d = 0; d < headDim; d++) {
                out[outOffset + d] = Math.fma(w, row[d], out[outOffset + d]);
            }
        }
    }

    @Override
    public long bytesPerPosition() {
        return bytes() / maxPositions;
    }

    /**
     * Every row allocated (high precision for the budget, low precision for the rest of the
     * context) and the bookkeeping: H2O's positions and masses, the balancer and the channel maxima
     * of keys and queries, the probabilities of the position being run.
     */
    @Override
    public long bytes() {
        long sum = (long) probabilities.length * budget * Float.BYTES
                + (long) maxQuery.length * probabilities.length * headDim * Float.BYTES;
        int lowRows = Math.max(1, maxPositions - budget);
        for (int l = 0; l < slots.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                sum += 2 * (budget * hpKeys[l][h].bytesPerRow() + lowRows * lpKeys[l][h].bytesPerRow());
                sum += slots[l][h].bytes() + 2L * headDim * Float.BYTES;
            }
        }
        return sum;
    }
}
