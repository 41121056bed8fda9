package dev.spruce.compress.prune;

import java.util.Random;

/** Seeded random matrices, calibration activations and the reconstruction error the pruners try to keep small. */
final class TestData {

    private TestData() {
    }

    static float[] gaussian(Random random, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }

    /**
     * {@code tokens × features} activations with correlated columns ({@code Z · A}, A a random
     * mixing matrix), uneven column scales, and column means {@code mean × N(0, 1)}: the shape of
     * real LLM inputs that makes the Hessian matter.
     */
    static float[] correlatedActivations(Random random, int tokens, int features, double mean) {
        double[][] mix = new double[features][features];
        for (int i = 0; i < features; i++) {
            for (int j = 0; j < features; j++) {
                mix[i][j] = random.nextGaussian() / Math.sqrt(features) + (i == j ? 1 : 0);
            }
        }
        double[] scale = new double[features];
        double[] offset = new double[features];
        for (int j = 0; j < features; j++) {
            scale[j] = Math.exp(random.nextGaussian() * 0.7);
            offset[j] = mean * random.nextGaussian();
        }
        float[] x = new float[tokens * features];
        double[] z = new double[features];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < features; i++) {
                z[i] = random.nextGaussian();
            }
            for (int j = 0; j < features; j++) {
                double v = 0;
                for (int i = 0; i < features; i++) {
                    v += z[i] * mix[i][j];
                }
                x[t * features + j] = (float) (v * scale[j] + offset[j]);
            }
        }
        return x;
    }

    /** Statistics of {@code x} fed as {@code samples} equal sequences. */
    static LinearStatistics statistics(float[] x, int tokens, int features, int samples, boolean hessian) {
        LinearStatistics stats = hessian ? LinearStatistics.withHessian(features) : LinearStatistics.create(features);
        int perSample = tokens / samples;
        for (int s = 0; s < samples; s++) {
            float[] chunk = java.util.Arrays.copyOfRange(x, s * perSample * features, (s + 1) * perSample * features);
            stats.add(chunk, perSample, features);
        }
        return stats;
    }

    /** {@code Σ_t ‖(W − Ŵ) x_t‖²} in double. */
    static double reconstructionError(float[] dense, float[] pruned, int rows, int cols, float[] x, int tokens) {
        double total = 0;
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double e = 0;
                for (int j = 0; j < cols; j++) {
                    e += ((double) dense[r * cols + j] - pruned[r * cols + j]) * x[t * cols + j];
                }
                total += e * e;
            }
        }
        return total;
    }
}
