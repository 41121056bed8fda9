package dev.spruce.model;

import dev.spruce.checkpoint.config.ModelConfig;

/** Argument checks shared by the dense caches. */
final class KvShape {

    private KvShape() {
    }

    static void check(ModelConfig config, int maxPositions) {
        if (maxPositions < 1) {
            throw new IllegalArgumentException("a KV cache needs at least one position, got " + maxPositions);
        }
        if ((long) maxPositions * config.kvDim() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV cache of " + maxPositions + " positions × " + config.kvDim()
                    + " values per layer is too large for one array; use fewer positions");
        }
    }

    static void checkPosition(int position, int maxPositions) {
        if (position < 0 || position >= maxPositions) {
            throw new IndexOutOfBoundsException("position " + position + " is outside the KV cache's "
                    + maxPositions + " positions");
        }
    }
}
