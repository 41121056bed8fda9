package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class LinearStatisticsTest {

    private static final float[] X1 = {1, 2, 3, 4};       // sample 1: 2 tokens × 2 features
    private static final float[] X2 = {1, 0, 0, 1, 2, 2}; // sample 2: 3 tokens

    @Test
    void reproducesTheReferenceArithmeticByHand() {
        LinearStatistics stats = LinearStatistics.withHessian(2);
        stats.add(X1, 2, 2);
        stats.add(X2, 3, 2);
        assertEquals(2, stats.samples());
        assertEquals(5, stats.tokens());
        // ‖X_j‖² is [10, 20] then [5, 5]; per sample: s = 10/1, then s·1/2 + 5/2
        assertArrayEquals(new double[] {7.5, 12.5}, stats.scalerRow(), 1e-12);
        // column sums [4, 6] then [3, 3], averaged over the 2 samples
        assertArrayEquals(new double[] {3.5, 4.5}, stats.sumPerSample(), 1e-12);
        assertArrayEquals(new double[] {1.4, 1.8}, stats.mean(), 1e-12);
        // per call variances 1 (2 tokens) and 2/3 (3 tokens), token-weighted: 0.8. (The variance of
        // all five tokens of column 0 would be 1.04: the reference ignores the spread of call means.)
        assertArrayEquals(new double[] {0.8, 0.8}, stats.variance(), 1e-12);
        // H = (2/2)·(X1ᵀX1 + X2ᵀX2) = [[10, 14], [14, 20]] + [[5, 4], [4, 5]]
        assertArrayEquals(new double[] {15, 18, 18, 25}, stats.hessian().data, 1e-12);
    }

    @Test
    void aSequenceInChunksEqualsTheSequenceInOneCall() {
        LinearStatistics whole = LinearStatistics.withHessian(2);
        whole.add(X1, 2, 2);
        whole.add(X2, 3, 2);
        LinearStatistics chunked = LinearStatistics.withHessian(2);
        chunked.add(X1, 2, 2);
        chunked.add(Arrays.copyOfRange(X2, 0, 2), 1, 2, 1);
        chunked.add(Arrays.copyOfRange(X2, 2, 6), 2, 2, 0);
        assertEquals(2, chunked.samples());
        assertArrayEquals(whole.scalerRow(), chunked.scalerRow(), 1e-12);
        assertArrayEquals(whole.sumPerSample(), chunked.sumPerSample(), 1e-12);
        assertArrayEquals(whole.mean(), chunked.mean(), 1e-12);
        assertArrayEquals(whole.hessian().data, chunked.hessian().data, 1e-12);
    }

    @Test
    void hessianMatchesTheNaiveSumOverOddSizesAndThreads() {
        long seed = 20240607L;
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            for (int features : new int[] {1, 7, 33, 65, 130, 300}) {
                for (Parallelism parallelism : new Parallelism[] {Parallelism.SERIAL, new Parallelism(pool, 2)}) {
                    Random random = new Random(seed + features);
                    LinearStatistics stats = LinearStatistics.withHessian(features, parallelism);
                    double[] expected = new double[features * features];
                    int[] batches = {1, 5, 67, 130};
                    int samples = 0;
                    for (int batch : batches) {
                        float[] x = TestData.gaussian(random, batch * features, 1.0);
                        stats.add(x, batch, features);
                        samples++;
                        double keep = (samples - 1.0) / samples;
                        for (int i = 0; i < expected.length; i++) {
                            expected[i] *= keep;
                        }
                        for (int t = 0; t < batch; t++) {
                            for (int i = 0; i < features; i++) {
                                for (int j = 0; j < features; j++) {
                                    expected[i * features + j] += 2.0 / samples * x[t * features + i] * x[t * features + j];
                                }
                            }
                        }
                    }
                    DMatrixRMaj h = stats.hessian();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], h.data[i], 1e-11 * (1 + Math.abs(expected[i])),
                                "features " + features + ", entry " + i + ", threads " + parallelism.threads() + ", seed " + seed);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void hessianOnlyWhenAskedAndInputsChecked() {
        LinearStatistics stats = LinearStatistics.create(3);
        assertFalse(stats.hasHessian());
        IllegalStateException noHessian = assertThrows(IllegalStateException.class, stats::hessian);
        assertTrue(noHessian.getMessage().contains("withHessian"));
        IllegalArgumentException continuation = assertThrows(IllegalArgumentException.class,
                () -> stats.add(new float[3], 1, 3, 0));
        assertTrue(continuation.getMessage().contains("first call must start a sample"), continuation.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> stats.add(new float[4], 1, 4));
        assertTrue(width.getMessage().contains("take 3 features, got 4"), width.getMessage());
        IllegalArgumentException shortArray = assertThrows(IllegalArgumentException.class, () -> stats.add(new float[5], 2, 3));
        assertTrue(shortArray.getMessage().contains("need 2 × 3 inputs, the array holds 5"), shortArray.getMessage());
    }
}
