package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * What a pruner did to one weight matrix: the mask of the weights it kept (row-major, like the
 * weights; every other weight is now exactly zero).
 *
 * <p>A weight that was already zero and is kept still counts as kept: the counts describe the
 * mask, not the zeros of the matrix.
 *
 * @param kept {@code kept[r * cols + c]} is true when weight {@code (r, c)} survived; owned by the result
 */
public record PruneResult(int rows, int cols, boolean[] kept) {

    public PruneResult {
        Matrices.requirePositiveShape(rows, cols);
        if (kept.length != rows * cols) {
            throw new IllegalArgumentException("a " + rows + " × " + cols + " mask needs " + rows * cols
                    + " flags, got " + kept.length);
        }
    }

    /** Whether weight {@code (row, col)} survived. */
    public boolean isKept(int row, int col) {
        return kept[row * cols + col];
    }

    /** Number of pruned weights in {@code row}. */
    public int prunedInRow(int row) {
        int pruned = 0;
        for (int i = row * cols, end = i + cols; i < end; i++) {
            if (!kept[i]) {
                pruned++;
            }
        }
        return pruned;
    }

    /** Pruned weights per row. */
    public int[] prunedPerRow() {
        int[] counts = new int[rows];
        Arrays.setAll(counts, this::prunedInRow);
        return counts;
    }

    /** Pruned weights in the whole matrix. */
    public long prunedCount() {
        long pruned = 0;
        for (boolean k : kept) {
            if (!k) {
                pruned++;
            }
        }
        return pruned;
    }

    /** The fraction of weights pruned. */
    public double sparsity() {
        return (double) prunedCount() / kept.length;
    }

    @Override
    public String toString() {
        return "PruneResult[" + rows + " × " + cols + ", sparsity " + sparsity() + "]";
    }
}
