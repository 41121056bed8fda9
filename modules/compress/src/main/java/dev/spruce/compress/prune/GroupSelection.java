package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * N:M selection: in each group of {@code m} consecutive columns of a row, prune the {@code n}
 * lowest scores (torch's {@code topk(largest=False)}; ties go to the lower column, a choice torch
 * leaves to the implementation).
 */
final class GroupSelection {

    private GroupSelection() {
    }

    /**
     * Marks pruned, in {@code kept}, the {@code n} lowest of {@code score[offset .. offset + m)};
     * {@code kept} is indexed like {@code score}, {@code scratch} holds at least {@code m} longs.
     */
    static void pruneLowest(float[] score, int offset, int n, int m, boolean[] kept, long[] scratch) {
        for (int k = 0; k < m; k++) {
            scratch[k] = SortKeys.of(score[offset + k], k);
        }
        Arrays.sort(scratch, 0, m);
        for (int k = 0; k < n; k++) {
            kept[offset + SortKeys.index(scratch[k])] = false;
        }
    }

    /**
     * Applies {@link #pruneLowest} to every group of every row of a row-major {@code [rows][cols]}
     * score; a last group narrower than {@code m} prunes {@link SparsityPattern.NM#prunedIn} of its weights.
     */
    static void pruneLowestInEveryGroup(float[] score, int rows, int cols, SparsityPattern.NM pattern, boolean[] kept) {
        int m = pattern.m();
        long[] scratch = new long[m];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int width = Math.min(m, cols - g);
                pruneLowest(score, r * cols + g, pattern.prunedIn(width), width, kept, scratch);
            }
        }
    }
}
