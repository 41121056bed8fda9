package dev.spruce.compress.prune;

/** Shape checks and mask application shared by the pruners; weights are row-major {@code [rows][cols]}. */
final class Matrices {

    private Matrices() {
    }

    static void requirePositiveShape(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("a weight matrix needs at least one row and one column, got " + rows + " × " + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " × " + cols + " weights do not fit in one Java array");
        }
    }

    static void requireWeights(float[] weights, int rows, int cols, SparsityPattern pattern) {
        pattern.requireFits(rows, cols);
        if (weights.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows + " × " + cols + " = " + rows * cols
                    + " weights, got an array of " + weights.length);
        }
    }

    static void requireFeatures(LinearStatistics stats, int cols) {
        if (stats == null) {
            throw new IllegalArgumentException("this pruner needs calibration statistics of the layer's inputs");
        }
        if (stats.features() != cols) {
            throw new IllegalArgumentException("the statistics describe " + stats.features()
                    + " input features but the matrix has " + cols + " columns");
        }
        if (stats.samples() == 0) {
            throw new IllegalArgumentException("the statistics have seen no calibration sample");
        }
    }

    /** Zeroes every weight whose {@code kept} flag is false. */
    static void applyMask(float[] weights, boolean[] kept) {
        for (int i = 0; i < weights.length; i++) {
            if (!kept[i]) {
                weights[i] = 0f;
            }
        }
    }
}
