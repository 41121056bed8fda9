package dev.spruce.kernels;

import java.util.Objects;

/**
 * The selection logic of {@link AttentionKernels#selectTop}, shared by both implementations so they
 * return identical positions: the k-th largest value by quickselect, then the positions above it
 * and, in index order, as many equal to it as k still needs.
 */
final class TopSelection {

    private TopSelection() {
    }

    static void check(float[] scores, int length, int k, int[] positions, float[] scratch) {
        Objects.checkFromToIndex(0, length, scores.length);
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        if (positions.length < Math.min(k, length)) {
            throw new IndexOutOfBoundsException("positions holds " + positions.length + " but top-" + k + " of "
                    + length + " needs " + Math.min(k, length));
        }
        if (scratch.length < length) {
            throw new IndexOutOfBoundsException("scratch holds " + scratch.length + " floats, " + length + " needed");
        }
    }

    /** Copies the non-NaN values of {@code x[0 .. length)} to {@code to}; returns how many. */
    static int copyNonNaN(float[] x, int length, float[] to) {
        int m = 0;
        for (int t = 0; t < length; t++) {
            if (!Float.isNaN(x[t])) {
                to[m++] = x[t];
            }
        }
        return m;
    }

    /** Writes every non-NaN index in order; returns how many. */
    static int allNonNaN(float[] x, int length, int[] positions) {
        int n = 0;
        for (int t = 0; t < length; t++) {
            if (!Float.isNaN(x[t])) {
                positions[n++] = t;
            }
        }
        return n;
    }

    /**
     * The {@code k}-th largest ({@code 1 <= k <= n}) of {@code a[0 .. n)}, none NaN, reordering
     * {@code a}: Hoare partitions around a median of three, narrowing to the side holding rank k.
     */
    static float kthLargest(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int target = k - 1;   // index in descending order
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            float pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            // now a[lo..j] >= pivot, a[i..hi] <= pivot, and a[j+1..i-1] == pivot
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return pivot;
            }
        }
        return a[target];
    }

    private static float median(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** Values of {@code x[0 .. length)} strictly above {@code threshold}. */
    static int countAbove(float[] x, int length, float threshold) {
        int n = 0;
        for (int t = 0; t < length; t++) {
            if (x[t] > threshold) {
                n++;
            }
        }
        return n;
    }

    /**
     * Writes, in index order, the indices of values above {@code threshold} and the first
     * {@code k - above} equal to it; returns {@code k}.
     */
    static int collect(float[] x, int length, float threshold, int above, int k, int[] positions) {
        int ties = k - above;
        int n = 0;
        for (int t = 0; t < length && n < k; t++) {
            float v = x[t];
            if (v > threshold || (v == threshold && ties-- > 0)) {
                positions[n++] = t;
            }
        }
        return n;
    }
}
