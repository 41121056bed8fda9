package dev.spruce.model;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;

/** The dense KV cache storages, selectable per run. */
public enum KvCacheType {
    /** Floats on the heap: exact, and the fastest to attend over. */
    F32,
    /** BF16 off the heap: half the memory, rounding each stored value to 8 significant bits. */
    BF16,
    /** F16 off the heap: half the memory, 11 significant bits, range ±65504. */
    F16;

    /** A new empty cache of this type for {@code maxPositions} positions of a model shaped like {@code config}. */
    public KvCache create(ModelConfig config, int maxPositions, Kernels kernels) {
        return switch (this) {
            case F32 -> new F32KvCache(config, maxPositions, kernels);
            case BF16 -> new SegmentKvCache(config, maxPositions, WeightDtype.BF16, kernels);
            case F16 -> new SegmentKvCache(config, maxPositions, WeightDtype.F16, kernels);
        };
    }
}
