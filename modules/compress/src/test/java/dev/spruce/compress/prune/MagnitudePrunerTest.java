package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class MagnitudePrunerTest {

    private static final float[] W = {
            0.5f, -0.1f, 0.3f, -0.8f,
            0.2f, -0.7f, 0.05f, 0.4f};

    @Test
    void unstructuredUsesOneSortedThresholdForTheMatrixLikeTheReference() {
        // sorted |W| = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.8]; s = 0.5: threshold sorted[⌊8·0.5⌋] = 0.4,
        // and every |w| ≤ 0.4 goes: five weights, one more than half, as in the reference
        float[] w = W.clone();
        PruneResult result = new MagnitudePruner().prune(w, 2, 4, new SparsityPattern.Unstructured(0.5));
        assertArrayEquals(new boolean[] {true, false, false, true, false, true, false, false}, result.kept());
        assertArrayEquals(new float[] {0.5f, 0, 0, -0.8f, 0, -0.7f, 0, 0}, w);
        assertEquals(5, result.prunedCount());
        assertArrayEquals(new int[] {2, 3}, result.prunedPerRow());

        // s = 0.3: threshold sorted[2] = 0.2, three weights
        PruneResult lighter = new MagnitudePruner().prune(W.clone(), 2, 4, new SparsityPattern.Unstructured(0.3));
        assertArrayEquals(new boolean[] {true, false, true, true, false, true, false, true}, lighter.kept());
    }

    @Test
    void nmPrunesTheSmallestInEachGroup() {
        float[] w = W.clone();
        PruneResult result = new MagnitudePruner().prune(w, 2, 4, new SparsityPattern.NM(2, 4));
        assertArrayEquals(new boolean[] {true, false, false, true, false, true, false, true}, result.kept());
        assertArrayEquals(new float[] {0.5f, 0, 0, -0.8f, 0, -0.7f, 0, 0.4f}, w);
    }

    @Test
    void nmHoldsOnRandomMatrices() {
        Random random = new Random(3);
        for (int[] nm : new int[][] {{2, 4}, {4, 8}, {1, 4}, {3, 4}}) {
            float[] w = TestData.gaussian(random, 24 * 64, 1);
            PruneResult result = new MagnitudePruner().prune(w, 24, 64, new SparsityPattern.NM(nm[0], nm[1]));
            NmAssertions.assertEveryGroup(result, nm[0], nm[1]);
            assertEquals((double) nm[0] / nm[1], result.sparsity(), 1e-12);
        }
    }
}
