package dev.spruce.compress.pipeline;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;

/**
 * An exact F32 KV cache for one block at a time: the pipeline runs a single block over a window,
 * so it needs one layer's keys and values, not every layer's ({@code layers ×} less memory). Every
 * layer index maps onto the same storage.
 */
final class SingleBlockKvCache implements KvCache {

    private final KvCache one;

    SingleBlockKvCache(ModelConfig c, int positions, Kernels kernels) {
        ModelConfig single = new ModelConfig(c.family(), c.hiddenSize(), c.intermediateSize(), 1, c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), c.tieWordEmbeddings(), c.qkvBias(), c.oBias(), c.mlpBias(), c.bosTokenIds(),
                c.eosTokenIds(), c.torchDtype());
        this.one = KvCacheType.F32.create(single, positions, kernels);
    }

    @Override
    public int maxPositions() {
        return one.maxPositions();
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        one.store(0, position, k, kOffset, v, vOffset);
    }

    @Override
    public void attend(int layer, int kvHead, float[] q, int qOffset, int length, float scale, float[] scores,
                       float[] out, int outOffset) {
        one.attend(0, kvHead, q, qOffset, length, scale, scores, out, outOffset);
    }

    @Override
    public long bytesPerPosition() {
        return one.bytesPerPosition();
    }

    @Override
    public long bytes() {
        return one.bytes();
    }
}
