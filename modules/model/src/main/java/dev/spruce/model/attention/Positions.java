package dev.spruce.model.attention;

/** Argument checks the policy caches share. */
final class Positions {

    private Positions() {
    }

    static void checkCapacity(int maxPositions) {
        if (maxPositions < 1) {
            throw new IllegalArgumentException("a KV cache needs at least one position, got " + maxPositions);
        }
    }

    static void check(int position, int maxPositions) {
        if (position < 0 || position >= maxPositions) {
            throw new IndexOutOfBoundsException("position " + position + " is outside the KV cache's " + maxPositions
                    + " positions");
        }
    }
}
