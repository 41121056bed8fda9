package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SparsityPatternTest {

    private static void assertRejected(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void unstructuredNeedsAFractionStrictlyInsideZeroOne() {
        assertEquals(0.5, new SparsityPattern.Unstructured(0.5).sparsity());
        for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertRejected("strictly between 0 and 1, got " + bad, () -> new SparsityPattern.Unstructured(bad));
        }
    }

    @Test
    void nmNeedsFewerZerosThanTheGroupAndColumnsInWholeGroups() {
        SparsityPattern.NM twoFour = new SparsityPattern.NM(2, 4);
        assertEquals(0.5, twoFour.sparsity());
        assertRejected("1 ≤ n < m", () -> new SparsityPattern.NM(4, 4));
        assertRejected("1 ≤ n < m", () -> new SparsityPattern.NM(0, 4));
        assertRejected("got 5:4", () -> new SparsityPattern.NM(5, 4));
        twoFour.requireFits(3, 8);
        assertRejected("multiple of 4, but the matrix has 10 columns", () -> twoFour.requireFits(3, 10));
        assertRejected("at least one row", () -> twoFour.requireFits(0, 8));
    }

    @Test
    void parsesFractionsAndNm() {
        assertEquals(new SparsityPattern.Unstructured(0.7), SparsityPattern.parse("0.7"));
        assertEquals(new SparsityPattern.NM(2, 4), SparsityPattern.parse(" 2:4 "));
        assertEquals("4:8", SparsityPattern.parse("4:8").toString());
        assertRejected("neither a fraction", () -> SparsityPattern.parse("half"));
        assertRejected("1 ≤ n < m", () -> SparsityPattern.parse("4:2"));
    }

    @Test
    void prunersRejectMismatchedShapes() {
        MagnitudePruner magnitude = new MagnitudePruner();
        assertRejected("expected 2 × 4 = 8 weights, got an array of 6",
                () -> magnitude.prune(new float[6], 2, 4, new SparsityPattern.Unstructured(0.5)));
        assertRejected("statistics describe 3 input features but the matrix has 4 columns",
                () -> WandaPruner.standard().prune(new float[8], 2, 4, new SparsityPattern.Unstructured(0.5),
                        statsOf(3)));
        assertRejected("LinearStatistics.withHessian",
                () -> SparseGptPruner.defaults().prune(new float[8], 2, 4, new SparsityPattern.Unstructured(0.5),
                        statsOf(4)));
    }

    private static LinearStatistics statsOf(int features) {
        LinearStatistics stats = LinearStatistics.create(features);
        stats.add(new float[features], 1, features);
        return stats;
    }
}
