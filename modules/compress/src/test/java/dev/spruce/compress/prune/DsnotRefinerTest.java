package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

class DsnotRefinerTest {

    /**
     * Every column gets inputs {2, 0} in one sample: sum per sample 2, variance 1, ‖X_j‖² = 4, so a
     * weight's contribution to the expected error is {@code 2w} and its Wanda score {@code 2|w|}.
     */
    private static LinearStatistics flatStatistics(int cols) {
        LinearStatistics stats = LinearStatistics.create(cols);
        float[] x = new float[2 * cols];
        Arrays.fill(x, 0, cols, 2f);
        stats.add(x, 2, cols);
        return stats;
    }

    private static boolean[] keptExcept(int cols, int... pruned) {
        boolean[] kept = new boolean[cols];
        Arrays.fill(kept, true);
        for (int j : pruned) {
            kept[j] = false;
        }
        return kept;
    }

    @Test
    void oneSwapByHand() {
        // contributions 2w = [-0.3, -0.2, 0.12, 1.8, -1.6, 1.4]; pruned {0, 1}: ε = -0.5.
        // ε < 0: grow the most negative pruned (col 0, -0.3); prune the positive kept weight of lowest
        // Wanda score (col 2, 0.12). ε' = -0.5 + 0.12 + 0.3 = -0.08: same sign, swap; then |ε'| ≤ 0.1, stop.
        float[] w = {-0.15f, -0.1f, 0.06f, 0.9f, -0.8f, 0.7f};
        for (DsnotRefiner.Options options : new DsnotRefiner.Options[] {DsnotRefiner.Options.DEFAULT,
                DsnotRefiner.Options.AS_REFERENCE_RUNS}) {
            float[] weights = w.clone();
            PruneResult result = new DsnotRefiner(options, Parallelism.SERIAL)
                    .refine(weights, 1, 6, keptExcept(6, 0, 1), new SparsityPattern.Unstructured(2 / 6.0), flatStatistics(6));
            assertArrayEquals(keptExcept(6, 1, 2), result.kept(), options.toString());
            assertArrayEquals(new float[] {-0.15f, 0f, 0f, 0.9f, -0.8f, 0.7f}, weights);
        }
    }

    @Test
    void aRowStopsWhenNoKeptWeightCanBePrunedWithoutRaisingTheError() {
        // contributions 2w = [0.5, 0.4, 0.3, -0.1 | -0.01, 0.6, 0.7, 0.8]; pruned {0..3}: ε = 1.1.
        // Cycle 1: grow col 0 (0.5), prune col 4 (-0.01, the only kept negative): ε' = 0.59.
        // Cycle 2 would grow col 1 (0.4) and prune a positive weight (col 7, 0.8), raising ε to 0.99
        // with its sign unchanged: the row stops instead (the literal reference loop swaps).
        float[] w = {0.25f, 0.2f, 0.15f, -0.05f, -0.005f, 0.3f, 0.35f, 0.4f};
        for (DsnotRefiner.Options options : new DsnotRefiner.Options[] {DsnotRefiner.Options.DEFAULT,
                DsnotRefiner.Options.AS_REFERENCE_RUNS}) {
            PruneResult result = new DsnotRefiner(options, Parallelism.SERIAL).refine(w.clone(), 1, 8,
                    keptExcept(8, 0, 1, 2, 3), new SparsityPattern.Unstructured(0.5), flatStatistics(8));
            assertArrayEquals(keptExcept(8, 1, 2, 3, 4), result.kept(), options.toString());
        }
    }

    /** {@code (W − Ŵ) H (W − Ŵ)ᵀ} of row 0. */
    private static double rowError(float[] dense, float[] pruned, int cols, LinearStatistics stats) {
        double[] h = stats.hessian().data;
        double total = 0;
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < cols; j++) {
                total += (dense[i] - pruned[i]) * h[i * cols + j] * (dense[j] - pruned[j]);
            }
        }
        return total;
    }

    @Test
    void updatedWeightsStayWhereKeptAndAGrownWeightGetsTheValueThatMinimisesTheError() {
        // inputs with positive means: contributions follow the weights' signs. SparseGPT-like updates
        // moved col 2 to −0.05 (ε > 0): grow col 1, the largest pruned contribution; prune col 2, the
        // only kept weight of the helpful sign
        int cols = 4;
        Random random = new Random(5);
        float[] x = new float[64 * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1 + 0.5 * random.nextGaussian());
        }
        LinearStatistics stats = TestData.statistics(x, 64, cols, 4, true);
        float[] dense = {0.1f, 0.2f, 0.5f, 0.5f};
        float[] updated = {0f, 0f, -0.05f, 0.5f};
        float[] refined = dense.clone();
        PruneResult result = DsnotRefiner.defaults().refine(refined, updated, 1, cols, keptExcept(cols, 0, 1),
                new SparsityPattern.Unstructured(0.5), stats);
        assertArrayEquals(keptExcept(cols, 0, 2), result.kept());
        assertEquals(0f, refined[0]);
        assertEquals(0f, refined[2]);
        assertEquals(0.5f, refined[3], "a kept weight keeps its update");
        double error = rowError(dense, refined, cols, stats);
        assertTrue(error < rowError(dense, updated, cols, stats));
        for (float step : new float[] {-1e-3f, 1e-3f}) {
            float[] moved = refined.clone();
            moved[1] += step;
            assertTrue(rowError(dense, moved, cols, stats) > error, "the grown value " + refined[1] + " is the best");
        }
        assertThrows(IllegalArgumentException.class, () -> DsnotRefiner.defaults().refine(dense.clone(), updated, 1,
                cols, keptExcept(cols, 0, 1), new SparsityPattern.Unstructured(0.5), flatStatistics(cols)),
                "updated weights need the Hessian");
    }

    @Test
    void signFlipStopsTheRowByDefaultButNotAsTheReferenceRuns() {
        // contributions 2w = [1.6, -0.64, 0.4, 0.7, -1.8, 0.04]; Wanda prunes {5, 2, 1}: ε = -0.2.
        // The first swap (grow col 1, -0.64; prune col 3, 0.7) gives ε' = 1.14: the sign flips.
        float[] w = {0.8f, -0.32f, 0.2f, 0.35f, -0.9f, 0.02f};
        LinearStatistics stats = flatStatistics(6);
        SparsityPattern half = new SparsityPattern.Unstructured(0.5);
        float[] copy = w.clone();
        boolean[] initial = WandaPruner.standard().prune(copy, 1, 6, half, stats).kept();
        assertArrayEquals(keptExcept(6, 1, 2, 5), initial);

        PruneResult stopped = DsnotRefiner.defaults().refine(w.clone(), 1, 6, initial, half, stats);
        assertArrayEquals(initial, stopped.kept(), "the sign-flip stop keeps Wanda's mask");

        PruneResult overshoot = new DsnotRefiner(DsnotRefiner.Options.AS_REFERENCE_RUNS, Parallelism.SERIAL)
                .refine(w.clone(), 1, 6, initial, half, stats);
        assertTrue(overshoot.isKept(0, 1) && !overshoot.isKept(0, 3), "without the stop the row swaps past zero");
        assertEquals(3, overshoot.prunedInRow(0));
    }

    /** Weights mostly positive, inputs with positive means, and some kept columns whose inputs sum to exactly zero. */
    private static float[] skewedWeights(Random random, int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (Math.abs(random.nextGaussian()) * (random.nextDouble() < 0.9 ? 1 : -1));
        }
        return w;
    }

    private static LinearStatistics skewedStatistics(Random random, int cols, int zeroSumColumns) {
        int tokens = 8;
        float[] x = new float[tokens * cols];
        for (int j = 0; j < cols; j++) {
            boolean zeroSum = j % (cols / zeroSumColumns) == 0;
            for (int t = 0; t < tokens; t++) {
                x[t * cols + j] = zeroSum ? (t % 2 == 0 ? 3f : -3f) : (float) (1 + 0.5 * random.nextGaussian());
            }
        }
        LinearStatistics stats = LinearStatistics.create(cols);
        stats.add(x, tokens, cols);
        return stats;
    }

    @Test
    void everyRowKeepsItsRequestedSparsityWhereTheLiteralReferenceLoopDoesNot() {
        int rows = 32;
        int cols = 128;
        double sparsity = 0.5;
        int requested = (int) (cols * sparsity);
        Random random = new Random(7);
        float[] w = skewedWeights(random, rows, cols);
        LinearStatistics stats = skewedStatistics(random, cols, 16);

        boolean[] reference = ReferenceDsnotTranscript.prunedMask(w, rows, cols, sparsity, stats, 50, 0.1, true);
        int lessSparse = 0;
        for (int r = 0; r < rows; r++) {
            int pruned = 0;
            for (int j = 0; j < cols; j++) {
                pruned += reference[r * cols + j] ? 1 : 0;
            }
            lessSparse += pruned < requested ? 1 : 0;
        }
        assertTrue(lessSparse > 0, "this data must exercise the reference's bug: no row of the literal loop is under-pruned");

        SparsityPattern pattern = new SparsityPattern.Unstructured(sparsity);
        for (DsnotRefiner.Options options : new DsnotRefiner.Options[] {DsnotRefiner.Options.DEFAULT,
                DsnotRefiner.Options.AS_REFERENCE_RUNS}) {
            float[] weights = w.clone();
            boolean[] initial = WandaPruner.standard().prune(w.clone(), rows, cols, pattern, stats).kept();
            PruneResult result = new DsnotRefiner(options, Parallelism.SERIAL).refine(weights, rows, cols, initial, pattern, stats);
            for (int r = 0; r < rows; r++) {
                assertEquals(requested, result.prunedInRow(r), "row " + r + " with " + options);
            }
            assertTrue(!Arrays.equals(initial, result.kept()), "DSnoT must have swapped something with " + options);
            for (int i = 0; i < weights.length; i++) {
                assertEquals(result.kept()[i] ? w[i] : 0f, weights[i]);
            }
        }
    }

    @Test
    void referenceLoopAndRefinerAgreeWhileNoRowRunsOutOfCandidates() {
        // on unskewed data with few cycles both walk the same candidates in the same order
        int rows = 16;
        int cols = 128;
        Random random = new Random(11);
        float[] w = TestData.gaussian(random, rows * cols, 1);
        float[] x = TestData.correlatedActivations(random, 32, cols, 1.0);
        LinearStatistics stats = TestData.statistics(x, 32, cols, 2, false);
        SparsityPattern pattern = new SparsityPattern.Unstructured(0.5);
        boolean[] initial = WandaPruner.standard().prune(w.clone(), rows, cols, pattern, stats).kept();
        boolean[] reference = ReferenceDsnotTranscript.prunedMask(w, rows, cols, 0.5, stats, 5, 0.1, true);
        PruneResult result = new DsnotRefiner(new DsnotRefiner.Options(5, 0.1, 1, false), Parallelism.SERIAL)
                .refine(w.clone(), rows, cols, initial, pattern, stats);
        for (int i = 0; i < reference.length; i++) {
            assertEquals(!reference[i], result.kept()[i], "weight " + i);
        }
        assertTrue(!Arrays.equals(initial, result.kept()));
    }

    @Test
    void refinementDoesNotIncreaseTheReconstructionErrorAndKeepsSparsity() throws Exception {
        int rows = 48;
        int cols = 96;
        int tokens = 256;
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            for (long seed : new long[] {1, 2, 3}) {
                Random random = new Random(seed);
                float[] w = TestData.gaussian(random, rows * cols, 0.5);
                float[] x = TestData.correlatedActivations(random, tokens, cols, 1.5);
                LinearStatistics stats = TestData.statistics(x, tokens, cols, 4, false);
                for (SparsityPattern pattern : new SparsityPattern[] {new SparsityPattern.Unstructured(0.6),
                        new SparsityPattern.NM(2, 4)}) {
                    float[] initialWeights = w.clone();
                    PruneResult initial = WandaPruner.standard().prune(initialWeights, rows, cols, pattern, stats);
                    float[] refinedWeights = w.clone();
                    PruneResult refined = new DsnotRefiner(DsnotRefiner.Options.DEFAULT, new Parallelism(pool, 2))
                            .refine(refinedWeights, rows, cols, initial.kept(), pattern, stats);
                    assertArrayEquals(initial.prunedPerRow(), refined.prunedPerRow());
                    if (pattern instanceof SparsityPattern.NM(int n, int m, var partial)) {
                        NmAssertions.assertEveryGroup(refined, n, m);
                    }
                    double before = TestData.reconstructionError(w, initialWeights, rows, cols, x, tokens);
                    double after = TestData.reconstructionError(w, refinedWeights, rows, cols, x, tokens);
                    assertTrue(after <= before, "seed " + seed + " " + pattern + ": " + after + " > " + before);
                    assertTrue(!Arrays.equals(initial.kept(), refined.kept()), "seed " + seed + " " + pattern + ": no swap");
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void rejectsAnInitialMaskThatIsNotNm() {
        float[] w = new float[8];
        Arrays.fill(w, 1f);
        boolean[] kept = keptExcept(8, 0, 1, 2, 4, 5); // first group has 3 zeros
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DsnotRefiner.defaults()
                .refine(w, 1, 8, kept, new SparsityPattern.NM(2, 4), flatStatistics(8)));
        assertTrue(e.getMessage().contains("row 0, columns 0..3 have 3 pruned"), e.getMessage());
    }
}
