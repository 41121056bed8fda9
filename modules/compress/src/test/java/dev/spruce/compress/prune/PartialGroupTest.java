package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import dev.spruce.compress.prune.SparsityPattern.NM;
import dev.spruce.compress.prune.SparsityPattern.PartialGroup;
import org.junit.jupiter.api.Test;

/** N:M on a width that is not a multiple of M: 4:8 over 12 columns leaves a last group of 4. */
class PartialGroupTest {

    private static final int ROWS = 6;
    private static final int COLS = 12;

    private static int prunedIn(PruneResult result, int row, int from, int to) {
        int pruned = 0;
        for (int j = from; j < to; j++) {
            pruned += result.isKept(row, j) ? 0 : 1;
        }
        return pruned;
    }

    @Test
    void theGroupCountsOfEachPolicy() {
        NM fourEight = new NM(4, 8);
        assertEquals(4, fourEight.prunedIn(8));
        assertThrows(IllegalStateException.class, () -> fourEight.prunedIn(4));
        assertEquals(0, fourEight.withPartial(PartialGroup.DENSE).prunedIn(4));
        assertEquals(4, fourEight.withPartial(PartialGroup.PRUNE_LOWEST).prunedIn(4), "all of a group n wide");
        assertEquals(3, new NM(3, 8, PartialGroup.PRUNE_LOWEST).prunedIn(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fourEight.requireFits(2, COLS));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        fourEight.withPartial(PartialGroup.DENSE).requireFits(2, COLS);
        assertEquals("4:8 (partial groups dense)", fourEight.withPartial(PartialGroup.DENSE).toString());
    }

    @Test
    void everyPrunerAndDsnotHonourThePolicy() {
        Random random = new Random(5);
        float[] w = TestData.gaussian(random, ROWS * COLS, 1);
        float[] x = TestData.correlatedActivations(random, 64, COLS, 1.0);
        LinearStatistics stats = TestData.statistics(x, 64, COLS, 4, true);
        for (PartialGroup policy : new PartialGroup[] {PartialGroup.DENSE, PartialGroup.PRUNE_LOWEST}) {
            NM pattern = new NM(4, 8, policy);
            int tail = policy == PartialGroup.DENSE ? 0 : 4;
            for (Pruner pruner : new Pruner[] {new MagnitudePruner(), WandaPruner.standard(), SparseGptPruner.defaults()}) {
                float[] weights = w.clone();
                PruneResult result = pruner.prune(weights, ROWS, COLS, pattern, stats);
                for (int r = 0; r < ROWS; r++) {
                    assertEquals(4, prunedIn(result, r, 0, 8), pruner + " " + policy + " row " + r);
                    assertEquals(tail, prunedIn(result, r, 8, 12), pruner + " " + policy + " row " + r);
                }
                if (pruner instanceof WandaPruner) {
                    PruneResult refined = DsnotRefiner.defaults().refine(w.clone(), ROWS, COLS, result.kept(), pattern, stats);
                    for (int r = 0; r < ROWS; r++) {
                        assertEquals(4, prunedIn(refined, r, 0, 8), "DSnoT " + policy + " row " + r);
                        assertEquals(tail, prunedIn(refined, r, 8, 12), "DSnoT " + policy + " row " + r);
                    }
                }
            }
        }
    }
}
