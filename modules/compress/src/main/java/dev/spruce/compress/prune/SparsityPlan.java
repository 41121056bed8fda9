package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * The sparsity each decoder layer gets: the same everywhere, or OWL's outlier-weighted layer-wise
 * sparsity (Yin et al., 2024, "Outlier Weighed Layerwise Sparsity"), which prunes layers with more
 * outlier features less.
 *
 * <p>OWL, as the reference {@code prune_wanda_outlier} computes it from per-layer outlier ratios
 * {@code r} (see {@link OutlierRatio}): {@code r' = (r − min r) / (max r − min r) · 2λ}, then
 * {@code sparsity_l = target − (r'_l − mean r')}. The mean sparsity is the target, and layer
 * sparsities lie within {@code target ± 2λ} (typically {@code target ± λ}). When all ratios are
 * equal (where the reference divides by zero) the plan is uniform.
 */
public final class SparsityPlan {

    /** OWL's λ: the reference's {@code Lamda} in its published runs. */
    public static final double DEFAULT_LAMBDA = 0.08;

    private final double[] sparsities;

    private SparsityPlan(double[] sparsities) {
        this.sparsities = sparsities;
    }

    /** {@code target} for each of {@code layers} layers. */
    public static SparsityPlan uniform(int layers, double target) {
        requireTarget(target);
        if (layers < 1) {
            throw new IllegalArgumentException("a plan needs at least one layer, got " + layers);
        }
        double[] s = new double[layers];
        Arrays.fill(s, target);
        return new SparsityPlan(s);
    }

    /** OWL with {@link #DEFAULT_LAMBDA}. */
    public static SparsityPlan owl(double[] outlierRatios, double target) {
        return owl(outlierRatios, target, DEFAULT_LAMBDA);
    }

    /**
     * OWL from per-layer outlier ratios (any unit: fractions or the reference's percentages).
     *
     * @throws IllegalArgumentException when a ratio is not finite, or a layer's sparsity would leave (0, 1)
     */
    public static SparsityPlan owl(double[] outlierRatios, double target, double lambda) {
        requireTarget(target);
        if (outlierRatios.length < 1) {
            throw new IllegalArgumentException("OWL needs the outlier ratio of at least one layer");
        }
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("λ must be finite and ≥ 0, got " + lambda);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < outlierRatios.length; l++) {
            double r = outlierRatios[l];
            if (!Double.isFinite(r)) {
                throw new IllegalArgumentException("the outlier ratio of layer " + l + " is " + r);
            }
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        if (max == min) {
            return uniform(outlierRatios.length, target);
        }
        double[] scaled = new double[outlierRatios.length];
        double mean = 0;
        for (int l = 0; l < scaled.length; l++) {
            scaled[l] = (outlierRatios[l] - min) * (1 / (max - min) * lambda * 2);
            mean += scaled[l];
        }
        mean /= scaled.length;
        double[] s = new double[scaled.length];
        for (int l = 0; l < s.length; l++) {
            // the reference's density scaled − mean + (1 − target), as a sparsity
            s[l] = 1 - (scaled[l] - mean + (1 - target));
            if (!(s[l] > 0 && s[l] < 1)) {
                throw new IllegalArgumentException("OWL with target " + target + " and λ " + lambda
                        + " gives layer " + l + " a sparsity of " + s[l] + ": lower λ");
            }
        }
        return new SparsityPlan(s);
    }

    private static void requireTarget(double target) {
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("the target sparsity must be strictly between 0 and 1, got " + target);
        }
    }

    /** Number of layers. */
    public int layers() {
        return sparsities.length;
    }

    /** The sparsity of layer {@code layer}. */
    public double sparsity(int layer) {
        return sparsities[layer];
    }

    /** The unstructured pattern for layer {@code layer}. */
    public SparsityPattern.Unstructured pattern(int layer) {
        return new SparsityPattern.Unstructured(sparsities[layer]);
    }

    /** All layers' sparsities, a copy. */
    public double[] sparsities() {
        return sparsities.clone();
    }

    /** The mean over layers (the target, up to rounding, for OWL and uniform plans). */
    public double meanSparsity() {
        return Arrays.stream(sparsities).average().orElseThrow();
    }

    @Override
    public String toString() {
        return "SparsityPlan" + Arrays.toString(sparsities);
    }
}
