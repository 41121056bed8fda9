package dev.spruce.model.attention;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.PolicyKvCache;

/**
 * Double Sparsity's offline channel calibration as a KV cache: attention is the exact dense one
 * (an F32 cache underneath), and on the way every query and key after RoPE is measured: per layer,
 * query head and channel the mean of {@code |q_c · k_c|} with the key of the query's own position
 * (the {@code qk} mode of the paper's calibration), of {@code |q_c|}, and per KV head of
 * {@code |k_c|}. Run calibration windows through a session over it, then {@link #result}.
 *
 * <p>Unlike the reference, the {@code q} and {@code k} modes also measure after RoPE (the values
 * the label cache stores and queries score with).
 */
public final class ChannelCalibrator implements PolicyKvCache {

    private final ModelConfig config;
    private final KvCache exact;
    private final int headDim;
    private final int kvDim;
    private final float[][] keys;          // [layer][position * kvDim], this window's keys
    private final double[][][] sumQk;      // [layer][queryHead][channel]
    private final double[][][] sumQ;       // [layer][queryHead][channel]
    private final double[][][] sumK;       // [layer][kvHead][channel]
    private final long[] keyCount;         // per layer

    public ChannelCalibrator(ModelConfig config, int maxPositions, Kernels kernels) {
        this.config = config;
        this.exact = KvCacheType.F32.create(config, maxPositions, kernels);
        this.headDim = config.headDim();
        this.kvDim = config.kvDim();
        int layers = config.numLayers();
        keys = new float[layers][maxPositions * kvDim];
        sumQk = new double[layers][config.numHeads()][headDim];
        sumQ = new double[layers][config.numHeads()][headDim];
        sumK = new double[layers][config.numKvHeads()][headDim];
        keyCount = new long[layers];
    }

    @Override
    public boolean sequential() {
        return false;
    }

    @Override
    public int maxPositions() {
        return exact.maxPositions();
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        exact.store(layer, position, k, kOffset, v, vOffset);
        System.arraycopy(k, kOffset, keys[layer], position * kvDim, kvDim);
        for (int h = 0; h < config.numKvHeads(); h++) {
            for (int c = 0; c < headDim; c++) {
                sumK[layer][h][c] += Math.abs(k[kOffset + h * headDim + c]);
            }
        }
        keyCount[layer]++;   // and attendHead measures each stored position's query once per head
    }

    /** Heads write their own rows of the sums, so concurrent heads never share one. */
    @Override
    public void attendHead(int layer, int queryHead, int kvHead, float[] q, int qOffset, int length, float scale,
                           float[] scores, float[] out, int outOffset) {
        int kAt = (length - 1) * kvDim + kvHead * headDim;
        double[] qk = sumQk[layer][queryHead];
        double[] qs = sumQ[layer][queryHead];
        for (int c = 0; c < headDim; c++) {
            float x = q[qOffset + c];
            qk[c] += Math.abs(x * keys[layer][kAt + c]);
            qs[c] += Math.abs(x);
        }
        exact.attend(layer, kvHead, q, qOffset, length, scale, scores, out, outOffset);
    }

    @Override
    public long bytesPerPosition() {
        return exact.bytesPerPosition();
    }

    @Override
    public long bytes() {
        return exact.bytes();
    }

    /** The channels ranked by the mean importance of {@code mode} over everything measured. */
    public ChannelCalibration result(ChannelCalibration.Mode mode, JsonNode source) {
        int layers = config.numLayers();
        double[][][] mean = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            if (keyCount[l] == 0) {
                throw new IllegalStateException("no positions were run through layer " + l);
            }
            double[][] sums = switch (mode) {
                case QK -> sumQk[l];
                case Q -> sumQ[l];
                case K -> sumK[l];
            };
            long n = keyCount[l];
            mean[l] = new double[sums.length][headDim];
            for (int h = 0; h < sums.length; h++) {
                for (int c = 0; c < headDim; c++) {
                    mean[l][h][c] = sums[h][c] / n;
                }
            }
        }
        return ChannelCalibration.rank(mode, config, mean, source);
    }
}
