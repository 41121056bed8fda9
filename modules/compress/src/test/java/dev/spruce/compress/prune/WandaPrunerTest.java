package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class WandaPrunerTest {

    /** One sample of one token [1, 2, 0.5, 1]: scaler_row = [1, 4, 0.25, 1], so sqrt = [1, 2, 0.5, 1]. */
    private static LinearStatistics handStatistics() {
        LinearStatistics stats = LinearStatistics.create(4);
        stats.add(new float[] {1, 2, 0.5f, 1}, 1, 4);
        return stats;
    }

    @Test
    void unstructuredPrunesEachRowsLowestScoresByHand() {
        float[] w = {
                0.5f, 0.3f, 0.4f, -0.8f,  // scores [0.5, 0.6, 0.2, 0.8]: prune cols 2, 0 (magnitude would take 1, 2)
                0.9f, -0.1f, 0.6f, 0.3f}; // scores [0.9, 0.2, 0.3, 0.3]: col 1, then the tie at 0.3 goes to col 2
        PruneResult result = WandaPruner.standard().prune(w, 2, 4, new SparsityPattern.Unstructured(0.5), handStatistics());
        assertArrayEquals(new boolean[] {false, true, false, true, true, false, false, true}, result.kept());
        assertArrayEquals(new float[] {0, 0.3f, 0, -0.8f, 0.9f, 0, 0, 0.3f}, w);

        float[] again = {0.5f, 0.3f, 0.4f, -0.8f, 0.9f, -0.1f, 0.6f, 0.3f};
        PruneResult nm = WandaPruner.standard().prune(again, 2, 4, new SparsityPattern.NM(2, 4), handStatistics());
        assertArrayEquals(result.kept(), nm.kept(), "with one group per row 2:4 is the same choice");
        PruneResult oneOfFour = WandaPruner.standard().prune(
                new float[] {0.5f, 0.3f, 0.4f, -0.8f, 0.9f, -0.1f, 0.6f, 0.3f}, 2, 4, new SparsityPattern.NM(1, 4), handStatistics());
        assertArrayEquals(new boolean[] {true, true, false, true, true, false, true, true}, oneOfFour.kept());
    }

    @Test
    void everyRowGetsExactlyTheFloorOfColsTimesSparsity() {
        Random random = new Random(5);
        int rows = 20;
        for (int cols : new int[] {7, 64, 129}) {
            float[] x = TestData.correlatedActivations(random, 16, cols, 0.5);
            LinearStatistics stats = TestData.statistics(x, 16, cols, 2, false);
            for (double s : new double[] {0.1, 0.5, 0.7, 0.99}) {
                float[] w = TestData.gaussian(random, rows * cols, 1);
                PruneResult result = WandaPruner.standard().prune(w, rows, cols, new SparsityPattern.Unstructured(s), stats);
                for (int r = 0; r < rows; r++) {
                    assertEquals((int) (cols * s), result.prunedInRow(r), "cols " + cols + ", s " + s + ", row " + r);
                }
            }
            if (cols % 4 == 0) {
                PruneResult nm = WandaPruner.standard().prune(TestData.gaussian(random, rows * cols, 1), rows, cols,
                        new SparsityPattern.NM(2, 4), stats);
                NmAssertions.assertEveryGroup(nm, 2, 4);
            }
        }
    }

    @Test
    void variantBisectsAlphaOnTheCumulativeScoreByHand() {
        // scores [1, 2, 3, 4], sum 10. α = 0.4: cumsum [1, 3, 6, 10] ≤ 4 holds twice, threshold 2, half pruned
        LinearStatistics stats = LinearStatistics.create(4);
        stats.add(new float[] {1, 1, 1, 1}, 1, 4);
        PruneResult half = WandaPruner.variant().prune(new float[] {1, 2, 3, 4}, 1, 4, new SparsityPattern.Unstructured(0.5), stats);
        assertArrayEquals(new boolean[] {false, false, true, true}, half.kept());
        // target 0.25: 0.5 is too much, so α = (0.4 + 0) / 2 = 0.2: cumsum ≤ 2 once, threshold 1
        PruneResult quarter = WandaPruner.variant().prune(new float[] {1, 2, 3, 4}, 1, 4, new SparsityPattern.Unstructured(0.25), stats);
        assertArrayEquals(new boolean[] {false, true, true, true}, quarter.kept());
    }

    @Test
    void variantReachesTheTargetOnTheWholeMatrixWithRowsPrunedByPrefix() {
        Random random = new Random(9);
        int rows = 64;
        int cols = 256;
        float[] x = TestData.correlatedActivations(random, 32, cols, 0.5);
        LinearStatistics stats = TestData.statistics(x, 32, cols, 2, false);
        float[] w = TestData.gaussian(random, rows * cols, 1);
        float[] score = WandaPruner.scores(w, rows, cols, stats);
        PruneResult result = WandaPruner.variant().prune(w, rows, cols, new SparsityPattern.Unstructured(0.5), stats);
        assertEquals(0.5, result.sparsity(), 0.002);
        boolean rowsDiffer = false;
        for (int r = 0; r < rows; r++) {
            float maxPruned = Float.NEGATIVE_INFINITY;
            float minKept = Float.POSITIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                if (result.isKept(r, j)) {
                    minKept = Math.min(minKept, score[r * cols + j]);
                } else {
                    maxPruned = Math.max(maxPruned, score[r * cols + j]);
                }
            }
            assertTrue(maxPruned < minKept, "row " + r + " prunes a prefix of its sorted scores");
            rowsDiffer |= result.prunedInRow(r) != result.prunedInRow(0);
        }
        assertTrue(rowsDiffer, "the variant adapts the count per row");
    }
}
