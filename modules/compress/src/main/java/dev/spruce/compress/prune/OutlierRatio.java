package dev.spruce.compress.prune;

import java.util.List;

/**
 * OWL's layer outlier ratio (the reference's {@code check_outlier_mean}): over all the linears of
 * one decoder layer together, the fraction of Wanda scores {@code |W_ij| · ‖X_j‖} greater than
 * {@code M} times their mean. The input of {@link SparsityPlan#owl}.
 */
public final class OutlierRatio {

    /** OWL's {@code M} (the reference's {@code Hyper_m}) in its published runs. */
    public static final double DEFAULT_M = 5;

    /** One linear of the layer: its weights {@code [rows][cols]} and the statistics of its inputs. */
    public record Linear(float[] weights, int rows, int cols, LinearStatistics stats) {

        public Linear {
            Matrices.requirePositiveShape(rows, cols);
            if (weights.length != rows * cols) {
                throw new IllegalArgumentException("expected " + rows * cols + " weights, got " + weights.length);
            }
            Matrices.requireFeatures(stats, cols);
        }
    }

    private OutlierRatio() {
    }

    /** The fraction (0..1) of the layer's scores above {@link #DEFAULT_M} times their mean. */
    public static double of(List<Linear> layer) {
        return of(layer, DEFAULT_M);
    }

    /** The fraction (0..1) of the layer's scores above {@code m} times their mean (the reference reports it × 100). */
    public static double of(List<Linear> layer, double m) {
        if (layer.isEmpty()) {
            throw new IllegalArgumentException("a layer needs at least one linear");
        }
        double sum = 0;
        long count = 0;
        for (Linear linear : layer) {
            for (float s : WandaPruner.scores(linear.weights(), linear.rows(), linear.cols(), linear.stats())) {
                sum += s;
            }
            count += linear.weights().length;
        }
        double threshold = sum / count * m;
        long outliers = 0;
        for (Linear linear : layer) {
            for (float s : WandaPruner.scores(linear.weights(), linear.rows(), linear.cols(), linear.stats())) {
                if (s > threshold) {
                    outliers++;
                }
            }
        }
        return (double) outliers / count;
    }
}
