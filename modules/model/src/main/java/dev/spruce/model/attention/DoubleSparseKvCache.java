package dev.spruce.model.attention;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.AttentionKernels;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.KvRows;
import dev.spruce.model.PolicyKvCache;

/**
 * Double Sparsity (Yang et al., 2024) over an exact F32 cache: beside the full keys and values,
 * a label cache holds each query head's {@code r} most important key channels (ranked offline,
 * {@link ChannelCalibration}) of every position. A query scores all cached positions on those
 * channels, keeps the top {@code k}, and attends exactly over them with the full keys and values.
 * The first layers stay dense, and so does any step with no more than {@code k} positions cached
 * (top-k of all is all), which is said once through the notices.
 *
 * <p>Keys and values are stored head-major ({@code [kvHead][position][headDim]} per layer), so the
 * rows a head gathers lie in one block of the array rather than spread across every head's.
 *
 * <p>Stateless between positions, so a batch of positions attends in parallel: each query scores
 * only the positions up to its own, which gives what decoding one token at a time gives.
 */
final class DoubleSparseKvCache implements PolicyKvCache {

    /** Per-thread buffers: the query's label, the selected positions, the selection's scratch. */
    private static final class Scratch {
        final float[] qLabel;
        final int[] positions;
        final float[] select;

        Scratch(int channels, int maxPositions) {
            qLabel = new float[channels];
            positions = new int[maxPositions];
            select = new float[maxPositions];
        }
    }

    private final int maxPositions;
    private final int kvDim;
    private final int headDim;
    private final int denseLayers;
    private final int k;
    private final float[][] keys;
    private final float[][] values;
    private final KvRows[][] keyRows;
    private final KvRows[][] valueRows;
    private final LabelCache[][] labels;
    private final int group;
    private final Kernels kernels;
    private final AttentionKernels attention;
    private final Consumer<String> notices;
    private final AtomicBoolean toldDense = new AtomicBoolean();
    private final ThreadLocal<Scratch> scratch;

    DoubleSparseKvCache(ModelConfig config, int maxPositions, DoubleSparsitySettings settings, Kernels kernels,
                        AttentionKernels attention, Consumer<String> notices) {
        if (maxPositions < 1 || (long) maxPositions * config.kvDim() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV cache of " + maxPositions + " positions does not fit one array per layer");
        }
        if (settings.calibration() != null) {
            settings.calibration().checkFits(config, "double sparsity");
        }
        this.maxPositions = maxPositions;
        this.kvDim = config.kvDim();
        this.headDim = config.headDim();
        this.denseLayers = settings.denseLayers();
        this.k = settings.tokensFor(maxPositions);
        this.kernels = kernels;
        this.attention = attention;
        this.notices = notices;
        this.group = config.numHeads() / config.numKvHeads();
        int layers = config.numLayers();
        int r = settings.channelsFor(headDim);
        keys = new float[layers][maxPositions * kvDim];
        values = new float[layers][maxPositions * kvDim];
        keyRows = new KvRows[layers][config.numKvHeads()];
        valueRows = new KvRows[layers][config.numKvHeads()];
        labels = new LabelCache[layers][];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < config.numKvHeads(); h++) {
                keyRows[l][h] = new KvRows(keys[l], h * maxPositions * headDim, headDim);
                valueRows[l][h] = new KvRows(values[l], h * maxPositions * headDim, headDim);
            }
            labels[l] = new LabelCache[l < denseLayers ? 0 : config.numHeads()];
            for (int h = 0; h < labels[l].length; h++) {
                int[] order = settings.calibration() == null ? natural(headDim) : settings.calibration().order(l, h);
                labels[l][h] = new LabelCache(java.util.Arrays.copyOf(order, r), maxPositions, settings.labelBits());
            }
        }
        scratch = ThreadLocal.withInitial(() -> new Scratch(r, maxPositions));
    }

    private static int[] natural(int n) {
        int[] order = new int[n];
        java.util.Arrays.setAll(order, i -> i);
        return order;
    }

    /** Tokens attended exactly once more than k positions are cached. */
    int k() {
        return k;
    }

    @Override
    public boolean sequential() {
        return false;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        Positions.check(position, maxPositions);
        for (int h = 0; h < kvDim / headDim; h++) {
            System.arraycopy(k, kOffset + h * headDim, keys[layer], (h * maxPositions + position) * headDim, headDim);
            System.arraycopy(v, vOffset + h * headDim, values[layer], (h * maxPositions + position) * headDim, headDim);
        }
        LabelCache[] heads = labels[layer];
        for (int h = 0; h < heads.length; h++) {
            heads[h].store(position, k, kOffset + (h / group) * headDim);
        }
    }

    @Override
    public void attendHead(int layer, int queryHead, int kvHead, float[] q, int qOffset, int length, float scale,
                           float[] scores, float[] out, int outOffset) {
        if (attendsDensely(layer, length)) {
            kernels.attention(q, qOffset, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead], length, scale,
                    scores, out, outOffset);
            return;
        }
        Scratch s = scratch.get();
        labels[layer][queryHead].score(attention, q, qOffset, length, s.qLabel, scores);
        int n = attention.selectTop(scores, length, k, s.positions, s.select);
        attention.gatheredAttention(q, qOffset, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead], s.positions,
                n, scale, scores, out, outOffset);
    }

    /** Where every head reads all positions, the group's heads read them together (grouped attention). */
    @Override
    public void attendHeads(int layer, int firstHead, int heads, int kvHead, float[] q, int qOffset, int headDim,
                            int length, float scale, float[] scores, float[] out, int outOffset) {
        if (attendsDensely(layer, length)) {
            kernels.groupedAttention(q, qOffset, heads, headDim, keyRows[layer][kvHead], valueRows[layer][kvHead],
                    length, scale, scores, out, outOffset);
            return;
        }
        PolicyKvCache.super.attendHeads(layer, firstHead, heads, kvHead, q, qOffset, headDim, length, scale, scores,
                out, outOffset);
    }

    /** Whether {@code layer} attends every one of {@code length} positions (a dense layer, or k covers them). */
    private boolean attendsDensely(int layer, int length) {
        if (layer < denseLayers) {
            return true;
        }
        if (length > k) {
            return false;
        }
        if (toldDense.compareAndSet(false, true)) {
            notices.accept("double sparsity: k = " + k + " covers all " + length
                    + " cached positions; attending densely while k >= the cached positions");
        }
        return true;
    }

    @Override
    public long bytesPerPosition() {
        long labelBytes = 0;
        for (LabelCache[] layer : labels) {
            for (LabelCache head : layer) {
                labelBytes += head.bytesPerPosition();
            }
        }
        return 2L * keys.length * kvDim * Float.BYTES + labelBytes;
    }

    @Override
    public long bytes() {
        return bytesPerPosition() * maxPositions;
    }
}
