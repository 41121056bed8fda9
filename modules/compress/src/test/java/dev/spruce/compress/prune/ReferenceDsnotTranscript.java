package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * The unstructured swap loop of the DSnoT reference ({@code prune_DSnoT}, Wanda initial mask),
 * transcribed literally with torch's semantics: candidate pointers over all columns that advance
 * every cycle for every row, mask writes for stopped rows, and {@code return_reorder_indice}
 * turning zero contributions into copies of index 0. Test-only: it exists to show which rows the
 * literal loop leaves at the wrong sparsity.
 *
 * @return the pruned mask (true = pruned), the reference's {@code weight_mask}
 */
final class ReferenceDsnotTranscript {

    private ReferenceDsnotTranscript() {
    }

    static boolean[] prunedMask(float[] w, int rows, int cols, double sparsity, LinearStatistics stats, int maxCycles,
                                double threshold, boolean withoutSameSign) {
        // the reference loops over all rows together until every row has stopped (or maxCycles):
        // find that cycle count first, then run every row for exactly that many cycles
        boolean[] scratch = new boolean[rows * cols];
        int cycles = 0;
        for (int r = 0; r < rows; r++) {
            int stoppedAt = runRow(w, r, cols, sparsity, stats, maxCycles, threshold, withoutSameSign, scratch);
            cycles = Math.max(cycles, Math.min(maxCycles, stoppedAt + 1));
        }
        boolean[] mask = new boolean[rows * cols];
        for (int r = 0; r < rows; r++) {
            runRow(w, r, cols, sparsity, stats, cycles, threshold, withoutSameSign, mask);
        }
        return mask;
    }

    /** Runs row {@code r} for {@code cycles} cycles into {@code mask}; returns the cycle its update flag fell (or {@code cycles}). */
    private static int runRow(float[] w, int r, int cols, double sparsity, LinearStatistics stats, int cycles,
                              double threshold, boolean withoutSameSign, boolean[] mask) {
        double[] scaler = stats.scalerRow();
        double[] sum = stats.sumPerSample();
        double[] var = stats.variance();
        int sparsityNum = (int) (cols * sparsity);
        int res = cols - sparsityNum;
        int o = r * cols;
        float[] wanda = new float[cols];
        float[] dsnot = new float[cols];
        for (int j = 0; j < cols; j++) {
            wanda[j] = Math.abs(w[o + j]) * (float) Math.sqrt((float) scaler[j]);
            dsnot[j] = w[o + j] * (float) sum[j];
        }
        int[] sortedInitial = argsortStable(wanda);
        boolean[] isPruned = new boolean[cols];
        for (int k = 0; k < sparsityNum; k++) {
            mask[o + sortedInitial[k]] = true;
            isPruned[sortedInitial[k]] = true;
        }
        float[] regrowMetric = new float[cols];
        float error = 0;
        for (int j = 0; j < cols; j++) {
            regrowMetric[j] = isPruned[j] ? dsnot[j] : 0f;
            error += regrowMetric[j];
        }
        float initialSign = Math.signum(error);
        for (int j = 0; j < cols; j++) {
            regrowMetric[j] /= (float) var[j];
        }
        int[] regrowBlock = argsortStable(regrowMetric);
        float[] wandaMasked = wanda.clone();
        for (int j = 0; j < cols; j++) {
            if (isPruned[j]) {
                wandaMasked[j] = Float.POSITIVE_INFINITY;
            }
        }
        int[] wandaRes = Arrays.copyOf(argsortStable(wandaMasked), res);
        float[] resMetric = new float[res];
        for (int k = 0; k < res; k++) {
            resMetric[k] = dsnot[wandaRes[k]];
        }
        int[] reorder = returnReorderIndice(resMetric);
        int[] pruneBlock = new int[res];
        for (int k = 0; k < res; k++) {
            pruneBlock[k] = wandaRes[reorder[k]];
        }
        int[] regrowPointer = {0, cols - 1};
        int[] prunePointer = {0, res - 1};
        boolean update = true;
        int stoppedAt = cycles;
        for (int cycle = 0; cycle < cycles; cycle++) {
            int a = error > 0 ? 1 : 0;
            int grow = regrowBlock[regrowPointer[a]];
            float growMetric = dsnot[grow];
            regrowPointer[a] += a == 0 ? 1 : -1;
            int b = error < 0 ? 1 : 0;
            int prune = pruneBlock[prunePointer[b]];
            float pruneMetric = dsnot[prune];
            prunePointer[b] += b == 0 ? 1 : -1;
            float after = error + pruneMetric - growMetric;
            update = update && Math.abs(error) > threshold && (withoutSameSign || initialSign == Math.signum(after));
            if (!update && stoppedAt == cycles) {
                stoppedAt = cycle;
            }
            mask[o + prune] = update;
            mask[o + grow] = !update;
            if (update) {
                error += pruneMetric;
                error -= growMetric;
            }
        }
        return stoppedAt;
    }

    private static int[] argsortStable(float[] v) {
        Integer[] idx = new Integer[v.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (p, q) -> Float.compare(v[p] + 0f, v[q] + 0f));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /** torch's {@code return_reorder_indice} on one row, zeros included. */
    private static int[] returnReorderIndice(float[] v) {
        int n = v.length;
        double[] pos = new double[n];
        double[] neg = new double[n];
        for (int i = 0; i < n; i++) {
            pos[i] = v[i] > 0 ? i : Double.POSITIVE_INFINITY;
            neg[i] = v[i] < 0 ? i : Double.POSITIVE_INFINITY;
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double p = pos[n - 1 - i];
            double q = neg[i];
            out[i] = (int) ((p == Double.POSITIVE_INFINITY ? 0 : p) + (q == Double.POSITIVE_INFINITY ? 0 : q));
        }
        return out;
    }
}
