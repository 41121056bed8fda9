package dev.spruce.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;

/**
 * A dense cache in 16-bit floats (BF16 or F16) off the heap, laid out {@code [position][kvHeads * headDim]}.
 * Attention reads the stored values through the weight kernels: a dot product per position, a
 * softmax, and a scaled add per position for the weighted sum.
 */
final class SegmentKvCache implements KvCache, AutoCloseable {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int maxPositions;
    private final int kvDim;
    private final int headDim;
    private final WeightDtype dtype;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final Kernels kernels;

    SegmentKvCache(ModelConfig config, int maxPositions, WeightDtype dtype, Kernels kernels) {
        KvShape.check(config, maxPositions);
        if (dtype == WeightDtype.F32) {
            throw new IllegalArgumentException("use F32KvCache for F32 storage");
        }
        this.maxPositions = maxPositions;
        this.kvDim = config.kvDim();
        this.headDim = config.headDim();
        this.dtype = dtype;
        this.kernels = kernels;
        int layers = config.numLayers();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long layerBytes = (long) maxPositions * kvDim * 2;
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(layerBytes, 64);
            values[l] = arena.allocate(layerBytes, 64);
        }
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public void store(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        KvShape.checkPosition(position, maxPositions);
        long base = (long) position * kvDim;
        for (int i = 0; i < kvDim; i++) {
            keys[layer].setAtIndex(U16, base + i, narrow(k[kOffset + i]));
            values[layer].setAtIndex(U16, base + i, narrow(v[vOffset + i]));
        }
    }

    private short narrow(float value) {
        return dtype == WeightDtype.BF16 ? FloatFormats.floatToBf16(value) : FloatFormats.floatToF16(value);
    }

    @Override
    public void attend(int layer, int kvHead, float[] q, int qOffset, int length, float scale, float[] scores,
                       float[] out, int outOffset) {
        MemorySegment k = keys[layer];
        MemorySegment v = values[layer];
        long head = (long) kvHead * headDim;
        for (int t = 0; t < length; t++) {
            scores[t] = kernels.dot(dtype, k, head + (long) t * kvDim, q, qOffset, headDim) * scale;
        }
        kernels.softmax(scores, 0, length);
        java.util.Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        for (int t = 0; t < length; t++) {
            kernels.addScaled(dtype, v, head + (long) t * kvDim, scores[t], out, outOffset, headDim);
        }
    }

    @Override
    public long bytesPerPosition() {
        return 2L * keys.length * kvDim * 2;
    }

    @Override
    public long bytes() {
        return bytesPerPosition() * maxPositions;
    }

    /** Frees the off-heap storage; the cache must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
