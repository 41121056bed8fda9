package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SparsityPlanTest {

    @Test
    void uniformGivesEveryLayerTheTarget() {
        SparsityPlan plan = SparsityPlan.uniform(3, 0.6);
        assertArrayEquals(new double[] {0.6, 0.6, 0.6}, plan.sparsities());
        assertEquals(new SparsityPattern.Unstructured(0.6), plan.pattern(2));
    }

    @Test
    void owlPrunesOutlierRichLayersLessAndKeepsTheMean() {
        // ratios [1, 2, 3] (percent, as the reference prints them) normalise to [0, 0.5, 1] · 2λ = [0, 0.08, 0.16];
        // minus their mean 0.08: [-0.08, 0, 0.08]; sparsity = target − that
        SparsityPlan plan = SparsityPlan.owl(new double[] {1, 2, 3}, 0.5, 0.08);
        assertArrayEquals(new double[] {0.58, 0.5, 0.42}, plan.sparsities(), 1e-12);
        assertEquals(0.5, plan.meanSparsity(), 1e-12);

        SparsityPlan skewed = SparsityPlan.owl(new double[] {0.01, 0.01, 0.01, 0.05}, 0.7);
        assertEquals(0.7, skewed.meanSparsity(), 1e-12);
        assertEquals(0.7 + 0.04, skewed.sparsity(0), 1e-12);
        assertEquals(0.7 - 0.12, skewed.sparsity(3), 1e-12);
    }

    @Test
    void owlWithEqualRatiosIsUniformAndBadInputIsRejected() {
        assertArrayEquals(new double[] {0.5, 0.5}, SparsityPlan.owl(new double[] {2, 2}, 0.5).sparsities());
        IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class,
                () -> SparsityPlan.owl(new double[] {0, 1}, 0.1, 0.2));
        assertTrue(tooWide.getMessage().contains("layer 1 a sparsity of -0.1"), tooWide.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparsityPlan.owl(new double[] {1, Double.NaN}, 0.5));
        assertThrows(IllegalArgumentException.class, () -> SparsityPlan.uniform(2, 1.0));
    }

    @Test
    void outlierRatioCountsScoresAboveMTimesTheLayerMean() {
        // one token [1, 1]: scores are |w|. Two linears, 8 scores: [1, 1, 1, 1, 1, 1, 1, 25], mean 4.
        // M = 5: threshold 20, one outlier of 8. M = 6: threshold 24, still one; M = 7: none.
        LinearStatistics stats = LinearStatistics.create(2);
        stats.add(new float[] {1, 1}, 1, 2);
        List<OutlierRatio.Linear> layer = List.of(
                new OutlierRatio.Linear(new float[] {1, -1, 1, 1}, 2, 2, stats),
                new OutlierRatio.Linear(new float[] {1, 1, -1, 25}, 2, 2, stats));
        assertEquals(1 / 8.0, OutlierRatio.of(layer), 1e-12);
        assertEquals(1 / 8.0, OutlierRatio.of(layer, 6), 1e-12);
        assertEquals(0, OutlierRatio.of(layer, 7), 1e-12);
    }
}
