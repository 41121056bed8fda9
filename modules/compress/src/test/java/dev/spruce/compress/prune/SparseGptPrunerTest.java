package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class SparseGptPrunerTest {

    @Test
    void anIdentityHessianIsMagnitudePruningWithoutUpdates() {
        int rows = 6;
        int cols = 16;
        // X = sqrt(1/2)·I, one sample: H = (2/1)·XᵀX = I
        LinearStatistics stats = LinearStatistics.withHessian(cols);
        float[] x = new float[cols * cols];
        for (int i = 0; i < cols; i++) {
            x[i * cols + i] = (float) Math.sqrt(0.5);
        }
        stats.add(x, cols, cols);
        Random random = new Random(1);
        for (SparsityPattern pattern : new SparsityPattern[] {new SparsityPattern.Unstructured(0.5),
                new SparsityPattern.Unstructured(0.3), new SparsityPattern.NM(2, 4)}) {
            float[] w = TestData.gaussian(random, rows * cols, 1);
            float[] byMagnitude = w.clone();
            PruneResult magnitude = new MagnitudePruner().prune(byMagnitude, rows, cols, pattern);
            PruneResult sparseGpt = SparseGptPruner.defaults().prune(w, rows, cols, pattern, stats);
            assertArrayEquals(magnitude.kept(), sparseGpt.kept(), pattern.toString());
            assertArrayEquals(byMagnitude, w, pattern + ": no weight may move");
        }
    }

    @Test
    void theObsUpdateOfTwoColumnsMatchesTheClosedForm() {
        // H = [[2, 1.2], [1.2, 1]] damped by 0.01 · mean(diag) = 0.015. Removing w0 and re-fitting w1
        // minimises (δw)ᵀ H (δw): w1' = w1 + w0 · H01 / H11. Removing w1 (the last column) moves nothing.
        DMatrixRMaj h = new DMatrixRMaj(2, 2, true, 2, 1.2, 1.2, 1);
        float[] w = {0.1f, 1.0f, 1.0f, 0.1f};
        PruneResult result = SparseGptPruner.defaults().prune(w, 2, 2, new SparsityPattern.NM(1, 2), h);
        assertArrayEquals(new boolean[] {false, true, true, false}, result.kept());
        assertEquals(0f, w[0]);
        assertEquals(1.0 + 0.1 * 1.2 / 1.015, w[1], 1e-6);
        assertEquals(1.0f, w[2]);
        assertEquals(0f, w[3]);
    }

    @Test
    void deadInputsAreZeroedAndDoNotBreakTheFactorisation() {
        int rows = 3;
        int cols = 8;
        Random random = new Random(2);
        float[] x = TestData.gaussian(random, 40 * cols, 1);
        for (int t = 0; t < 40; t++) {
            x[t * cols + 5] = 0; // input 5 is never active
        }
        LinearStatistics stats = TestData.statistics(x, 40, cols, 2, true);
        float[] w = TestData.gaussian(random, rows * cols, 1);
        PruneResult result = SparseGptPruner.defaults().prune(w, rows, cols, new SparsityPattern.NM(2, 4), stats);
        NmAssertions.assertEveryGroup(result, 2, 4);
        for (int r = 0; r < rows; r++) {
            assertEquals(0f, w[r * cols + 5]);
        }
    }

    @Test
    void aSingularHessianWithoutDampingIsAClearError() {
        DMatrixRMaj singular = new DMatrixRMaj(2, 2, true, 1, 1, 1, 1);
        SparseGptPruner undamped = new SparseGptPruner(new SparseGptPruner.Options(128, 0), Parallelism.SERIAL);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> undamped.prune(new float[] {1, 2}, 1, 2, new SparsityPattern.NM(1, 2), singular));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }

    @Test
    void beatsWandaAndMagnitudeOnCorrelatedDataAtTheSameSparsity() {
        int rows = 32;
        int tokens = 512;
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Parallelism two = new Parallelism(pool, 2);
            for (int cols : new int[] {96, 200}) { // one partial block; a full block then a partial one
                Random random = new Random(cols);
                float[] x = TestData.correlatedActivations(random, tokens, cols, 0.3);
                LinearStatistics stats = LinearStatistics.withHessian(cols, two);
                for (int s = 0; s < 4; s++) {
                    stats.add(java.util.Arrays.copyOfRange(x, s * 128 * cols, (s + 1) * 128 * cols), 128, cols);
                }
                float[] dense = TestData.gaussian(random, rows * cols, 1);
                for (SparsityPattern pattern : new SparsityPattern[] {new SparsityPattern.Unstructured(0.5),
                        new SparsityPattern.NM(2, 4)}) {
                    float[] sparseGpt = dense.clone();
                    PruneResult result = new SparseGptPruner(SparseGptPruner.Options.DEFAULT, two)
                            .prune(sparseGpt, rows, cols, pattern, stats);
                    float[] wanda = dense.clone();
                    WandaPruner.standard().prune(wanda, rows, cols, pattern, stats);
                    float[] magnitude = dense.clone();
                    new MagnitudePruner().prune(magnitude, rows, cols, pattern);
                    double eSparseGpt = TestData.reconstructionError(dense, sparseGpt, rows, cols, x, tokens);
                    double eWanda = TestData.reconstructionError(dense, wanda, rows, cols, x, tokens);
                    double eMagnitude = TestData.reconstructionError(dense, magnitude, rows, cols, x, tokens);
                    String label = cols + " cols, " + pattern + ": SparseGPT " + eSparseGpt + ", Wanda " + eWanda
                            + ", magnitude " + eMagnitude;
                    assertTrue(eSparseGpt < eWanda && eSparseGpt < eMagnitude, label);
                    if (pattern instanceof SparsityPattern.NM(int n, int m, var partial)) {
                        NmAssertions.assertEveryGroup(result, n, m);
                    } else {
                        // per block ⌊numel·s⌋ + 1 (plus ties), as the reference's ≤ threshold
                        assertTrue(result.sparsity() >= 0.5 && result.sparsity() < 0.5 + 2.0 / rows / 64, label);
                    }
                    for (int i = 0; i < sparseGpt.length; i++) {
                        assertTrue(result.kept()[i] || sparseGpt[i] == 0f);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }
}
