package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * Wanda (Sun et al., 2023, "A Simple and Effective Pruning Approach for Large Language Models"):
 * score {@code |W_ij| · sqrt(scaler_row_j)} where {@code scaler_row_j = ‖X_j‖² / samples}
 * ({@link LinearStatistics#scalerRow()}), compared within each output row.
 *
 * <ul>
 *   <li>Unstructured: each row keeps all but its {@code ⌊cols·s⌋} lowest scores (a stable sort, so
 *       ties go to the lower column), exactly the reference's {@code sort_res[1][:, :int(cols*s)]}.
 *   <li>N:M: the {@code n} lowest scores in each group of {@code m}.
 *   <li>{@linkplain #variant() Variant} (the reference's {@code --use_variant}, unstructured only):
 *       each row prunes its lowest scores whose cumulative sum stays within {@code α} times the
 *       row's total, with {@code α} found by the reference's bisection (start 0.4 in [0, 0.8],
 *       until the matrix sparsity is within 0.001 of the target or the interval is narrower than
 *       0.001). Rows then differ in sparsity; the matrix is close to the target.
 * </ul>
 * Scores are computed in float, as the reference does on its float32 metric.
 */
public final class WandaPruner implements Pruner {

    private static final double ALPHA_START = 0.4;
    private static final double ALPHA_HIGH = 0.8;
    private static final double SPARSITY_TOLERANCE = 0.001;
    private static final double ALPHA_RESOLUTION = 0.001;

    private final boolean variant;

    private WandaPruner(boolean variant) {
        this.variant = variant;
    }

    /** Wanda as published: per-row lowest scores. */
    public static WandaPruner standard() {
        return new WandaPruner(false);
    }

    /** The reference's {@code use_variant}: per-row cumulative-score threshold with a bisected {@code α}. */
    public static WandaPruner variant() {
        return new WandaPruner(true);
    }

    /** Whether this is the cumulative-threshold variant. */
    public boolean isVariant() {
        return variant;
    }

    @Override
    public PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern, LinearStatistics stats) {
        Matrices.requireWeights(weights, rows, cols, pattern);
        Matrices.requireFeatures(stats, cols);
        float[] score = scores(weights, rows, cols, stats);
        boolean[] kept = new boolean[weights.length];
        Arrays.fill(kept, true);
        switch (pattern) {
            case SparsityPattern.NM nm -> GroupSelection.pruneLowestInEveryGroup(score, rows, cols, nm, kept);
            case SparsityPattern.Unstructured u when variant -> pruneByCumulativeScore(score, rows, cols, u.sparsity(), kept);
            case SparsityPattern.Unstructured u -> pruneLowestPerRow(score, rows, cols, (int) (cols * u.sparsity()), kept);
        }
        Matrices.applyMask(weights, kept);
        return new PruneResult(rows, cols, kept);
    }

    /** {@code |W_ij| · sqrt(scaler_row_j)} in float, row-major like the weights. */
    static float[] scores(float[] weights, int rows, int cols, LinearStatistics stats) {
        double[] scaler = stats.scalerRow();
        float[] norm = new float[cols];
        for (int j = 0; j < cols; j++) {
            norm[j] = (float) Math.sqrt((float) scaler[j]);
        }
        float[] score = new float[weights.length];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                score[o + j] = Math.abs(weights[o + j]) * norm[j];
            }
        }
        return score;
    }

    private static void pruneLowestPerRow(float[] score, int rows, int cols, int perRow, boolean[] kept) {
        long[] keys = new long[cols];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                keys[j] = SortKeys.of(score[o + j], j);
            }
            Arrays.sort(keys);
            for (int k = 0; k < perRow; k++) {
                kept[o + SortKeys.index(keys[k])] = false;
            }
        }
    }

    private static void pruneByCumulativeScore(float[] score, int rows, int cols, double target, boolean[] kept) {
        float[] sorted = new float[score.length];
        float[] cumsum = new float[score.length];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            System.arraycopy(score, o, sorted, o, cols);
            Arrays.sort(sorted, o, o + cols);
            float running = 0f;
            for (int j = 0; j < cols; j++) {
                running += sorted[o + j];
                cumsum[o + j] = running;
            }
        }
        float[] thresholds = new float[rows];
        double alpha = ALPHA_START;
        double low = 0.0;
        double high = ALPHA_HIGH;
        double current = thresholdsForAlpha(sorted, cumsum, rows, cols, alpha, thresholds);
        while (Math.abs(current - target) > SPARSITY_TOLERANCE && high - low >= ALPHA_RESOLUTION) {
            double next;
            if (current > target) {
                next = (alpha + low) / 2.0;
                high = alpha;
            } else {
                next = (alpha + high) / 2.0;
                low = alpha;
            }
            alpha = next;
            current = thresholdsForAlpha(sorted, cumsum, rows, cols, alpha, thresholds);
        }
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                kept[o + j] = !(score[o + j] <= thresholds[r]);
            }
        }
    }

    /**
     * The reference's {@code return_given_alpha}: per row, the threshold is the last sorted score
     * whose cumulative sum is within {@code α · rowSum} (no threshold, so nothing pruned, when even
     * the first exceeds it; the reference would fail on a -1 index there), and the matrix sparsity
     * is the fraction of scores at or below their row's threshold.
     */
    private static double thresholdsForAlpha(float[] sorted, float[] cumsum, int rows, int cols, double alpha,
                                             float[] thresholds) {
        long pruned = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float limit = (float) (cumsum[o + cols - 1] * alpha);
            int within = upperBound(cumsum, o, o + cols, limit) - o;
            if (within == 0) {
                thresholds[r] = Float.NEGATIVE_INFINITY;
                continue;
            }
            float threshold = sorted[o + within - 1];
            thresholds[r] = threshold;
            pruned += upperBound(sorted, o, o + cols, threshold) - o;
        }
        return (double) pruned / ((long) rows * cols);
    }

    /** First index in {@code [from, to)} of non-decreasing {@code a} whose value exceeds {@code v}. */
    private static int upperBound(float[] a, int from, int to, float v) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
