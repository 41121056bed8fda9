package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks that a mask holds exactly {@code n} zeros in every group of {@code m}. */
final class NmAssertions {

    private NmAssertions() {
    }

    static void assertEveryGroup(PruneResult result, int n, int m) {
        for (int r = 0; r < result.rows(); r++) {
            for (int g = 0; g < result.cols(); g += m) {
                int pruned = 0;
                for (int k = 0; k < m; k++) {
                    pruned += result.isKept(r, g + k) ? 0 : 1;
                }
                assertEquals(n, pruned, "row " + r + ", group at column " + g);
            }
        }
    }
}
