package dev.spruce.model.attention;

/** Checks and conversions of the ratios the attention settings take. */
final class Ratios {

    private Ratios() {
    }

    /** Throws unless {@code value} is in (0, 1]. */
    static void check(String name, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1], got " + value);
        }
    }

    /** {@code ceil(ratio * n)}, at least 1. */
    static int of(double ratio, int n) {
        return Math.max(1, (int) Math.ceil(ratio * n - 1e-9));
    }
}
