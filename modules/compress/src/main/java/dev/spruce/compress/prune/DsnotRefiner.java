package dev.spruce.compress.prune;

import java.util.Arrays;

/**
 * DSnoT (Zhang et al., 2024, "Dynamic Sparse No Training"): training-free prune-and-grow on top of
 * an initial mask from any pruner, following the reference {@code prune_DSnoT}. Each output row
 * has an expected reconstruction error {@code ε = Σ_{pruned j} W_j · x̄_j}, with {@code x̄} the
 * per-sample input sum {@link LinearStatistics#sumPerSample()} (the reference's
 * {@code sum_metric_row}). Each cycle swaps one pruned weight back in and one kept weight out so
 * that {@code ε} moves towards zero:
 *
 * <ul>
 *   <li>grow: among the pruned weights ordered by {@code W_j x̄_j / Var(x_j)^p}, the largest when
 *       {@code ε > 0}, the smallest otherwise;
 *   <li>prune (unstructured): among the kept weights, the lowest Wanda score of those whose
 *       {@code W_j x̄_j} has the sign that moves {@code ε} towards zero (negative when
 *       {@code ε ≥ 0}, positive when {@code ε < 0});
 *   <li>prune (N:M): in the grown weight's group of {@code m}, the kept weight of lowest Wanda
 *       score among those whose {@code W_j x̄_j} moves {@code ε} towards zero (or is zero), so every
 *       group keeps exactly {@code n} zeros; a cycle whose group has no such weight does nothing.
 * </ul>
 * A row stops for good once {@code |ε| ≤ updateThreshold}, after {@code maxCycles} cycles, when
 * it runs out of candidates that help (a grown weight of {@code ε}'s sign, a pruned one of zero or
 * the other sign), or (with {@link Options#stopOnSignFlip()}) when a swap would flip the sign of
 * {@code ε}.
 *
 * <p>Deliberate differences from the reference code:
 * <ul>
 *   <li>The sign-flip stop is on by default. The reference parses {@code --without_same_sign} with
 *       {@code type=bool}, so it is always true and the stop is never active in unstructured mode;
 *       {@link Options#AS_REFERENCE_RUNS} turns it off to reproduce that (the reference's N:M
 *       branch always checks the sign; here the option governs both).
 *   <li>Every row keeps exactly its initial number of pruned weights (every N:M group its
 *       {@code n}). The reference advances its candidate pointers over <em>all</em> columns and
 *       keeps writing the mask after a row has stopped, so rows can grow a weight that was never
 *       pruned, prune one twice, or re-prune after stopping, and end less (or more) sparse than
 *       asked. Here candidates are drawn only from the weights still in their initial state, each
 *       at most once, and a row that runs out of candidates stops.
 *   <li>Both candidates of a swap must have the helpful sign. The reference walks its sorted
 *       candidate lists past the helpful ones: once a row's kept weights of the helpful sign are
 *       used up it prunes those of the other sign, by descending Wanda score, each swap pushing
 *       {@code ε} further from zero without flipping it. With 4096-column rows and 50 cycles that
 *       never happens; with stories260K's 64-column rows it raised {@code q_proj}'s output error
 *       18-fold over Wanda's (here it falls).
 *   <li>N:M pruning candidates must have the helpful sign, as the unstructured ones do. The
 *       reference takes the group's lowest Wanda score whatever its sign, which can push
 *       {@code ε} further from zero and, on correlated random data, raised the output error
 *       {@code ‖WX − ŴX‖²} above Wanda's in 3 of 5 seeds; with the sign rule it fell in all 5.
 *   <li>On SparseGPT the refiner keeps SparseGPT's updated weights, fits each grown weight, and
 *       makes a swap only if it lowers the row's reconstruction error {@code (W − Ŵ) H (W − Ŵ)ᵀ}
 *       ({@link #refine(float[], float[], int, int, boolean[], SparsityPattern, LinearStatistics)}).
 *       The reference never does this: with {@code --initial_method sparsegpt} it only takes
 *       SparseGPT's saliency {@code W²/U_ii²} of the <em>dense</em> weights (no OBS sweep, a
 *       per-row sort) as the initial mask, runs DSnoT on the dense weights (Wanda scores for the
 *       unstructured pruning candidates, the SparseGPT saliency for N:M ones) and returns dense
 *       weights under the mask, so nothing is re-solved; in the stored code its wrapper also
 *       allocates the Hessian but never accumulates it, so that saliency is zero everywhere and
 *       each row's first columns are pruned. Dropping the updates that way cost 56.68 against
 *       SparseGPT's 52.37 (stories260K, 60 %); the fit and the error check make every swap a
 *       descent step of the objective SparseGPT minimised, so no linear's calibration error rises
 *       ({@code Stories260kSparseGptDsnotTest}).
 *   <li>A column with zero variance and zero mean (a dead input) has growth priority 0, not the
 *       reference's NaN. Scores are float as in the reference; {@code ε} is summed in double.
 * </ul>
 */
public final class DsnotRefiner {

    /**
     * @param maxCycles        swaps tried per row at most (the reference's {@code max_cycle_time}, 50)
     * @param updateThreshold  a row stops once {@code |ε|} is at or below this (0.1), in the units of
     *                         {@link LinearStatistics#sumPerSample()}
     * @param varianceExponent {@code p} in the growth score {@code W x̄ / Var^p} (1; 0 ignores the variance)
     * @param stopOnSignFlip   stop a row rather than let a swap flip the sign of its error
     */
    public record Options(int maxCycles, double updateThreshold, double varianceExponent, boolean stopOnSignFlip) {

        /** The published algorithm with the reference's numbers: 50 cycles, threshold 0.1, {@code p = 1}, sign-flip stop on. */
        public static final Options DEFAULT = new Options(50, 0.1, 1.0, true);

        /** What the reference's command line actually runs: the same, sign-flip stop off. */
        public static final Options AS_REFERENCE_RUNS = new Options(50, 0.1, 1.0, false);

        public Options {
            if (maxCycles < 0) {
                throw new IllegalArgumentException("maxCycles must be ≥ 0, got " + maxCycles);
            }
            if (!(updateThreshold >= 0) || !Double.isFinite(varianceExponent)) {
                throw new IllegalArgumentException("updateThreshold must be ≥ 0 and the variance exponent finite, got "
                        + updateThreshold + " and " + varianceExponent);
            }
        }
    }

    private final Options options;
    private final Parallelism parallelism;

    public DsnotRefiner(Options options, Parallelism parallelism) {
        this.options = options;
        this.parallelism = parallelism;
    }

    /** {@link Options#DEFAULT} on the calling thread. */
    public static DsnotRefiner defaults() {
        return new DsnotRefiner(Options.DEFAULT, Parallelism.SERIAL);
    }

    public Options options() {
        return options;
    }

    /**
     * Refines {@code initialKept} and zeroes the weights the refined mask drops.
     *
     * @param weights     the <em>dense</em> weights, row-major {@code [rows][cols]}: DSnoT needs the
     *                    values of the pruned weights to grow them back, so prune a copy to get the
     *                    initial mask
     * @param initialKept the initial mask (true = kept), row-major; not modified
     * @param pattern     {@link SparsityPattern.NM} swaps inside groups of {@code m} and requires
     *                    every group of the initial mask to hold exactly {@code n} zeros;
     *                    {@link SparsityPattern.Unstructured} swaps anywhere in the row (its
     *                    fraction is not re-applied: each row keeps its initial count)
     * @param stats       input statistics of the layer (no Hessian needed)
     */
    public PruneResult refine(float[] weights, int rows, int cols, boolean[] initialKept, SparsityPattern pattern,
                              LinearStatistics stats) {
        return refine(weights, weights.clone(), rows, cols, initialKept, pattern, stats, null);
    }

    /**
     * Refines the mask of weights a pruner has also <em>updated</em> (SparseGPT), keeping the
     * updates. The expected error is that of the updated weights, {@code ε = Σ_j (W_j − Ŵ_j) x̄_j},
     * and the candidates are chosen as for an unupdated mask, but a swap must also lower the row's
     * reconstruction error {@code (W − Ŵ) H (W − Ŵ)ᵀ} (the quantity SparseGPT minimises, {@code H}
     * the statistics' Hessian) with the other weights as they are: the grown weight {@code a} comes
     * back with the value that minimises it once {@code b} is pruned,
     * {@code Ŵ_a = (Ŵ_b H_ab − g_a) / H_aa} with {@code g = H (Ŵ − W)ᵀ}, and the swap is made only
     * when the error then falls; otherwise the row stops, as on a sign flip.
     *
     * @param dense   the dense weights, row-major; on return, the refined weights: the updated value
     *                where kept, the fitted value where grown, zero where pruned
     * @param updated the pruner's weights ({@code initialKept} positions are read; not modified)
     * @param stats   input statistics with the Hessian ({@link LinearStatistics#withHessian(int)})
     */
    public PruneResult refine(float[] dense, float[] updated, int rows, int cols, boolean[] initialKept,
                              SparsityPattern pattern, LinearStatistics stats) {
        if (!stats.hasHessian()) {
            throw new IllegalArgumentException("refining updated weights needs the Hessian: collect the statistics"
                    + " with LinearStatistics.withHessian");
        }
        return refine(dense, updated, rows, cols, initialKept, pattern, stats, stats.hessian().data);
    }

    /** The refinement; {@code hessian} (row-major, {@code cols × cols}) is null when nothing was updated. */
    private PruneResult refine(float[] dense, float[] updated, int rows, int cols, boolean[] initialKept,
                               SparsityPattern pattern, LinearStatistics stats, double[] hessian) {
        Matrices.requireWeights(dense, rows, cols, pattern);
        Matrices.requireFeatures(stats, cols);
        if (initialKept.length != dense.length || updated.length != dense.length) {
            throw new IllegalArgumentException("the initial mask has " + initialKept.length + " flags and the updated"
                    + " weights " + updated.length + " values for " + dense.length + " weights");
        }
        boolean[] kept = initialKept.clone();
        if (pattern instanceof SparsityPattern.NM nm) {
            requireGroups(kept, rows, cols, nm);
        }
        float[] signal = toFloats(stats.sumPerSample());
        float[] variancePower = new float[cols];
        double[] variance = stats.variance();
        for (int j = 0; j < cols; j++) {
            variancePower[j] = (float) Math.pow((float) variance[j], options.varianceExponent());
        }
        float[] norm = new float[cols];
        double[] scaler = stats.scalerRow();
        for (int j = 0; j < cols; j++) {
            norm[j] = (float) Math.sqrt((float) scaler[j]);
        }
        float[] refined = updated.clone();
        parallelism.forEach(rows, r -> {
            int offset = r * cols;
            for (int j = 0; j < cols; j++) {
                refined[offset + j] = kept[offset + j] ? updated[offset + j] : dense[offset + j];
            }
            RowFit fit = hessian == null ? null : new RowFit(hessian, dense, refined, kept, offset, cols, signal);
            RowState row = new RowState(refined, offset, cols, kept, signal, variancePower, norm, fit);
            switch (pattern) {
                case SparsityPattern.Unstructured ignored -> row.refineAnywhere(options);
                case SparsityPattern.NM nm -> row.refineInGroups(options, nm.m());
            }
        });
        for (int i = 0; i < dense.length; i++) {
            dense[i] = kept[i] ? refined[i] : 0f;
        }
        return new PruneResult(rows, cols, kept);
    }

    private static void requireGroups(boolean[] kept, int rows, int cols, SparsityPattern.NM pattern) {
        int m = pattern.m();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int width = Math.min(m, cols - g);
                int pruned = 0;
                for (int k = 0; k < width; k++) {
                    if (!kept[r * cols + g + k]) {
                        pruned++;
                    }
                }
                if (pruned != pattern.prunedIn(width)) {
                    throw new IllegalArgumentException("the initial mask is not " + pattern + ": row " + r
                            + ", columns " + g + ".." + (g + width - 1) + " have " + pruned + " pruned");
                }
            }
        }
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** One row's scores, candidate lists and error; the row's slice of {@code kept} is its only output. */
    private static final class RowState {
        private final int offset;
        private final int cols;
        private final boolean[] kept;
        /** {@code W_j · x̄_j}: what pruning weight j adds to the row's expected error. */
        private final float[] contribution;
        private final float[] wanda;
        /** Pruned columns by growth score {@code W_j x̄_j / Var_j^p}, ascending (stable). */
        private final int[] growOrder;
        /** With updated weights: the row's reconstruction error, which every swap must lower. */
        private final RowFit fit;
        private double error;

        /**
         * @param values per column, the kept weight's current value or the pruned weight's dense one
         *               (what growing it would bring back without a fit)
         */
        RowState(float[] values, int offset, int cols, boolean[] kept, float[] signal, float[] variancePower,
                 float[] norm, RowFit fit) {
            this.offset = offset;
            this.cols = cols;
            this.kept = kept;
            this.fit = fit;
            this.contribution = new float[cols];
            this.wanda = new float[cols];
            int pruned = 0;
            for (int j = 0; j < cols; j++) {
                float w = values[offset + j];
                contribution[j] = w * signal[j];
                wanda[j] = Math.abs(w) * norm[j];
                if (!kept[offset + j]) {
                    pruned++;
                }
            }
            error = fit != null ? fit.expectedError() : expectedErrorOfPruned();
            long[] keys = new long[pruned];
            int k = 0;
            for (int j = 0; j < cols; j++) {
                if (!kept[offset + j]) {
                    float grow = contribution[j] / variancePower[j];
                    keys[k++] = SortKeys.of(Float.isNaN(grow) ? 0f : grow, j);
                }
            }
            Arrays.sort(keys);
            growOrder = new int[pruned];
            for (int i = 0; i < pruned; i++) {
                growOrder[i] = SortKeys.index(keys[i]);
            }
        }

        /**
         * Kept columns for unstructured pruning: negative contributions by ascending Wanda score,
         * then zero contributions, then positive ones by descending Wanda score, so the low end
         * serves {@code ε ≥ 0} and the high end {@code ε < 0}, each with its least important weight
         * first (the reference's {@code return_reorder_indice}).
         */
        private int[] pruneOrder() {
            long[] keys = new long[cols];
            int n = 0;
            for (int j = 0; j < cols; j++) {
                if (kept[offset + j]) {
                    keys[n++] = SortKeys.of(wanda[j], j);
                }
            }
            Arrays.sort(keys, 0, n);
            int[] order = new int[n];
            int low = 0;
            int high = n - 1;
            int zeros = 0;
            int[] zero = new int[n];
            for (int i = 0; i < n; i++) {
                int j = SortKeys.index(keys[i]);
                if (contribution[j] < 0) {
                    order[low++] = j;
                } else if (contribution[j] > 0) {
                    order[high--] = j;
                } else {
                    zero[zeros++] = j;
                }
            }
            System.arraycopy(zero, 0, order, low, zeros);
            return order;
        }

        void refineAnywhere(Options options) {
            int[] pruneOrder = pruneOrder();
            int growLow = 0;
            int growHigh = growOrder.length - 1;
            int pruneLow = 0;
            int pruneHigh = pruneOrder.length - 1;
            double initialSign = Math.signum(error);
            for (int cycle = 0; cycle < options.maxCycles(); cycle++) {
                if (!(Math.abs(error) > options.updateThreshold()) || growLow > growHigh || pruneLow > pruneHigh) {
                    return;
                }
                int grow = error > 0 ? growOrder[growHigh--] : growOrder[growLow++];
                int prune = error < 0 ? pruneOrder[pruneHigh--] : pruneOrder[pruneLow++];
                if (!helpsGrowing(grow) || !helpsPruning(prune) || !swap(grow, prune, initialSign, options)) {
                    return;
                }
            }
        }

        void refineInGroups(Options options, int m) {
            // per group, its initially kept columns by ascending Wanda score
            int groups = (cols + m - 1) / m; // a partial last group swaps within itself
            int[] candidates = new int[cols];
            int[] count = new int[groups];
            long[] keys = new long[m];
            for (int g = 0; g < groups; g++) {
                int n = 0;
                for (int k = 0; k < Math.min(m, cols - g * m); k++) {
                    int j = g * m + k;
                    if (kept[offset + j]) {
                        keys[n++] = SortKeys.of(wanda[j], j);
                    }
                }
                Arrays.sort(keys, 0, n);
                for (int i = 0; i < n; i++) {
                    candidates[g * m + i] = SortKeys.index(keys[i]);
                }
                count[g] = n;
            }
            int growLow = 0;
            int growHigh = growOrder.length - 1;
            double initialSign = Math.signum(error);
            for (int cycle = 0; cycle < options.maxCycles(); cycle++) {
                if (!(Math.abs(error) > options.updateThreshold()) || growLow > growHigh) {
                    return;
                }
                int grow = error > 0 ? growOrder[growHigh--] : growOrder[growLow++];
                if (!helpsGrowing(grow)) {
                    return;
                }
                int g = grow / m;
                int prune = -1;
                for (int i = 0; i < count[g] && prune < 0; i++) {
                    int c = candidates[g * m + i];
                    if (kept[offset + c] && helpsPruning(c)) {
                        prune = c;
                    }
                }
                if (prune >= 0 && !swap(grow, prune, initialSign, options)) {
                    return;
                }
            }
        }

        /** Whether growing {@code j} moves {@code ε} towards zero: its contribution has {@code ε}'s sign. */
        private boolean helpsGrowing(int j) {
            return error > 0 ? contribution[j] > 0 : contribution[j] < 0;
        }

        /** Whether pruning {@code j} does not move {@code ε} away from zero: its contribution is zero or of the other sign. */
        private boolean helpsPruning(int j) {
            return error > 0 ? contribution[j] <= 0 : contribution[j] >= 0;
        }

        /** {@code ε} of weights pruned without updates: the sum of the pruned weights' contributions. */
        private double expectedErrorOfPruned() {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                if (!kept[offset + j]) {
                    sum += contribution[j];
                }
            }
            return sum;
        }

        /** Grows {@code grow} and prunes {@code prune} unless the row must stop; false when it stops. */
        private boolean swap(int grow, int prune, double initialSign, Options options) {
            double grown = fit == null ? 0 : fit.valueIfLower(grow, prune);
            if (Double.isNaN(grown)) {
                return false;
            }
            double after = error + (fit == null ? contribution[prune] - contribution[grow]
                    : fit.expectedErrorChange(grow, prune, grown));
            if (options.stopOnSignFlip() && Math.signum(after) != initialSign) {
                return false;
            }
            if (fit != null) {
                fit.swap(grow, prune, grown);
            }
            kept[offset + grow] = true;
            kept[offset + prune] = false;
            error = after;
            return true;
        }
    }

    /**
     * One row of weights a pruner updated: its values, and the gradient {@code g = H (Ŵ − W)ᵀ} of its
     * reconstruction error {@code (Ŵ − W) H (Ŵ − W)ᵀ}, kept current over the swaps in
     * {@code O(cols)} each.
     */
    private static final class RowFit {
        private final double[] h;
        private final float[] dense;
        /** The row's current weights where kept (the refinement's output), read at {@code offset}. */
        private final float[] values;
        private final boolean[] kept;
        private final int offset;
        private final int cols;
        private final float[] signal;
        private final double[] gradient;

        RowFit(double[] h, float[] dense, float[] values, boolean[] kept, int offset, int cols, float[] signal) {
            this.h = h;
            this.dense = dense;
            this.values = values;
            this.kept = kept;
            this.offset = offset;
            this.cols = cols;
            this.signal = signal;
            double[] residual = new double[cols];
            for (int j = 0; j < cols; j++) {
                residual[j] = current(j) - dense[offset + j];
            }
            gradient = new double[cols];
            for (int i = 0; i < cols; i++) {
                double g = 0;
                for (int j = 0; j < cols; j++) {
                    g += h[i * cols + j] * residual[j];
                }
                gradient[i] = g;
            }
        }

        private double current(int j) {
            return kept[offset + j] ? values[offset + j] : 0.0;
        }

        /** {@code ε = Σ_j (W_j − Ŵ_j) x̄_j} of the current weights. */
        double expectedError() {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += (dense[offset + j] - current(j)) * signal[j];
            }
            return sum;
        }

        /**
         * The value of pruned weight {@code a} that minimises the row's error once kept weight
         * {@code b} is zero, {@code (Ŵ_b H_ab − g_a) / H_aa}, if growing it so and pruning {@code b}
         * lowers the error; NaN if not, or if {@code a}'s input is dead ({@code H_aa = 0}).
         */
        double valueIfLower(int a, int b) {
            double haa = h[a * cols + a];
            if (!(haa > 0)) {
                return Double.NaN;
            }
            double wb = current(b);
            double r = gradient[a] - wb * h[a * cols + b];
            // error change: wb² H_bb − 2 wb g_b (pruning b) − r²/H_aa (growing a with its best value)
            double change = wb * wb * h[b * cols + b] - 2 * wb * gradient[b] - r * r / haa;
            return change < 0 ? -r / haa : Double.NaN;
        }

        /** How {@code ε} moves when {@code a} comes back as {@code value} and {@code b} is pruned. */
        double expectedErrorChange(int a, int b, double value) {
            return current(b) * signal[b] - value * signal[a];
        }

        /** Sets {@code a} to {@code value} and updates the gradient for that and {@code b}'s pruning (the caller flips the mask). */
        void swap(int a, int b, double value) {
            double wb = current(b);
            for (int k = 0; k < cols; k++) {
                gradient[k] += h[k * cols + a] * value - h[k * cols + b] * wb;
            }
            values[offset + a] = (float) value;
        }
    }
}
