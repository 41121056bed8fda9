package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * Magnitude pruning, as in the Wanda reference's {@code prune_magnitude}: the score is {@code |W|}.
 *
 * <ul>
 *   <li>Unstructured: one threshold for the whole matrix, {@code t = sorted(|W|)[⌊numel·s⌋]}, and
 *       every weight with {@code |w| ≤ t} is pruned. Like the reference this prunes
 *       {@code ⌊numel·s⌋ + 1} weights (more on ties), one more than the fraction asks for.
 *   <li>N:M: the {@code n} smallest {@code |w|} in each group of {@code m}.
 * </ul>
 */
public final class MagnitudePruner implements Pruner {

    @Override
    public PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern, LinearStatistics stats) {
        return prune(weights, rows, cols, pattern);
    }

    /** Prunes {@code weights} ({@code [rows][cols]}) by magnitude; no statistics needed. */
    public PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern) {
        Matrices.requireWeights(weights, rows, cols, pattern);
        float[] magnitude = new float[weights.length];
        for (int i = 0; i < weights.length; i++) {
            magnitude[i] = Math.abs(weights[i]);
        }
        boolean[] kept = new boolean[weights.length];
        Arrays.fill(kept, true);
        switch (pattern) {
            case SparsityPattern.Unstructured u -> {
                float[] sorted = magnitude.clone();
                Arrays.sort(sorted);
                float threshold = sorted[(int) (weights.length * u.sparsity())];
                for (int i = 0; i < weights.length; i++) {
                    kept[i] = !(magnitude[i] <= threshold);
                }
            }
            case SparsityPattern.NM nm -> GroupSelection.pruneLowestInEveryGroup(magnitude, rows, cols, nm, kept);
        }
        Matrices.applyMask(weights, kept);
        return new PruneResult(rows, cols, kept);
    }
}
