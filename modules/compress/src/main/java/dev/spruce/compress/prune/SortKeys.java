package dev.spruce.compress.prune;

/**
 * Packs a float score and a column index into one {@code long} whose natural order is "by score,
 * then by index": sorting these with {@code Arrays.sort(long[])} is torch's {@code sort(stable=True)}
 * without boxing. Scores are compared as IEEE floats with {@code -0.0 == 0.0}; NaN sorts last, as in
 * torch.
 */
final class SortKeys {

    private SortKeys() {
    }

    static long of(float score, int index) {
        int bits = Float.floatToIntBits(score + 0.0f); // + 0.0f turns -0.0 into +0.0
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats: flip magnitude bits
        return ((long) ordered << 32) | (index & 0xffffffffL);
    }

    static int index(long key) {
        return (int) key;
    }
}
