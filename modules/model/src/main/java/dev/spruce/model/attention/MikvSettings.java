package dev.spruce.model.attention;

/**
 * The knobs of MiKV's mixed-precision cache.
 *
 * @param importance    which positions stay in high precision: H2O's heavy hitters and recent
 *                      window, with its budget as the high-precision share
 * @param highPrecision the storage of the important positions
 * @param lowBits       2, 3 or 4: the storage of every other position (kept, never dropped)
 * @param groupSize     elements per quantisation group (a multiple of 8; capped at the head dimension)
 * @param balance       whether keys are balanced against queries per channel before quantisation
 */
public record MikvSettings(H2oSettings importance, HighPrecision highPrecision, int lowBits, int groupSize,
                           boolean balance) {

    public MikvSettings {
        if (importance == null || highPrecision == null) {
            throw new IllegalArgumentException("MiKV needs an importance budget and a high-precision format");
        }
        if (lowBits != 2 && lowBits != 3 && lowBits != 4) {
            throw new IllegalArgumentException("MiKV's low precision is 2, 3 or 4 bits, got " + lowBits);
        }
        if (groupSize < 8 || groupSize % 8 != 0) {
            throw new IllegalArgumentException("the group size must be a positive multiple of 8, got " + groupSize);
        }
    }

    /** {@code ratio} of positions in {@code highPrecision}, the rest at {@code lowBits}, groups of 64, balanced. */
    public static MikvSettings of(double ratio, HighPrecision highPrecision, int lowBits) {
        return new MikvSettings(H2oSettings.of(ratio), highPrecision, lowBits, 64, true);
    }
}
