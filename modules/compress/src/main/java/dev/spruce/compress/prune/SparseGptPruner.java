package dev.spruce.compress.prune;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;

import java.util.Arrays;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * SparseGPT (Frantar and Alistarh, 2023), following the reference's {@code fasterprune}: prune
 * column by column while an Optimal Brain Surgeon update moves the pruning error of each weight
 * onto the row's not-yet-visited weights, using the upper Cholesky factor {@code U} of the damped
 * inverse Hessian ({@code H⁻¹ = UᵀU}).
 *
 * <ol>
 *   <li>Dead inputs ({@code H_ii = 0}): set {@code H_ii = 1} and zero column {@code i} of W.
 *   <li>Damping: add {@code percDamp · mean(diag H)} to the diagonal.
 *   <li>{@code U}: Cholesky of H, inverse from it, then the Cholesky of the inverse, transposed.
 *   <li>Columns in blocks of {@code blockSize}: the unstructured mask of a block prunes every
 *       {@code w²/U_ii²} at or below the {@code ⌊numel·s⌋}-th smallest of the block (so, like the
 *       reference, one more weight than the fraction plus ties); N:M picks the {@code n} lowest of
 *       {@code w²/U_ii²} in each group of {@code m} when the sweep reaches the group, from the
 *       updated weights. For weight {@code i}: {@code err = (w − q)/U_ii}, then
 *       {@code W[:, i:] −= err ⊗ U[i, i:]} inside the block, and after the block
 *       {@code W[:, end:] −= Err · U[block, end:]} (the lazy batch update).
 * </ol>
 * The Hessian, its inverse and factor, and the weights during the updates are all double (the
 * reference keeps everything in float32); the result is rounded to float once at the end. Rows are
 * independent within a block, so they are split over the {@link Parallelism}.
 */
public final class SparseGptPruner implements Pruner {

    /**
     * @param blockSize columns per lazy-update block (the reference's 128); for N:M it is rounded
     *                  down to a multiple of {@code m} (to {@code m} if smaller) so groups never
     *                  straddle blocks, which changes nothing for {@code m} dividing 128
     * @param percDamp  diagonal damping as a fraction of the mean diagonal (the reference's 0.01)
     */
    public record Options(int blockSize, double percDamp) {

        /** The reference's settings: blocks of 128 columns, 1% damping. */
        public static final Options DEFAULT = new Options(128, 0.01);

        public Options {
            if (blockSize < 1) {
                throw new IllegalArgumentException("the block size must be at least 1, got " + blockSize);
            }
            if (!(percDamp >= 0 && percDamp < 1)) {
                throw new IllegalArgumentException("percDamp must be in [0, 1), got " + percDamp);
            }
        }
    }

    /** Rows updated together by one worker, so a tile of {@code U} is reused from cache across them. */
    private static final int ROW_GROUP = 8;
    /** Columns of the lazy update handled at once: 128 rows of U × 256 doubles = 256 KiB, inside L2. */
    private static final int COL_TILE = 256;

    private static final Kernels KERNEL = KernelProvider.get();

    private final Options options;
    private final Parallelism parallelism;

    public SparseGptPruner(Options options, Parallelism parallelism) {
        this.options = options;
        this.parallelism = parallelism;
    }

    /** The reference's settings on the calling thread. */
    public static SparseGptPruner defaults() {
        return new SparseGptPruner(Options.DEFAULT, Parallelism.SERIAL);
    }

    public Options options() {
        return options;
    }

    /**
     * Prunes with the Hessian of {@code stats} (which must have been created
     * {@linkplain LinearStatistics#withHessian(int) with one}); the statistics are left unchanged.
     */
    @Override
    public PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern, LinearStatistics stats) {
        Matrices.requireWeights(weights, rows, cols, pattern);
        Matrices.requireFeatures(stats, cols);
        if (!stats.hasHessian()) {
            throw new IllegalArgumentException("SparseGPT needs the Hessian: collect the statistics with LinearStatistics.withHessian");
        }
        return prune(weights, rows, cols, pattern, stats.hessian());
    }

    /**
     * Prunes with the given {@code cols × cols} Hessian {@code (2/n) XᵀX}, which this call
     * overwrites (damping and factorisation work in place).
     *
     * @throws IllegalStateException when the damped Hessian is not positive definite
     */
    public PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern, DMatrixRMaj hessian) {
        Matrices.requireWeights(weights, rows, cols, pattern);
        if (hessian.numRows != cols || hessian.numCols != cols) {
            throw new IllegalArgumentException("a " + rows + " × " + cols + " matrix needs a " + cols + " × " + cols
                    + " Hessian, got " + hessian.numRows + " × " + hessian.numCols);
        }
        double[] w = new double[weights.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights[i];
        }
        double[] h = hessian.data;
        double diagonalSum = 0;
        for (int i = 0; i < cols; i++) {
            if (h[i * cols + i] == 0) {
                h[i * cols + i] = 1;
                for (int r = 0; r < rows; r++) {
                    w[r * cols + i] = 0;
                }
            }
            diagonalSum += h[i * cols + i];
        }
        double damp = options.percDamp() * (diagonalSum / cols);
        for (int i = 0; i < cols; i++) {
            h[i * cols + i] += damp;
        }
        double[] u = upperCholeskyOfInverse(hessian);

        boolean[] kept = new boolean[weights.length];
        Arrays.fill(kept, true);
        int blockSize = switch (pattern) {
            case SparsityPattern.Unstructured ignored -> options.blockSize();
            case SparsityPattern.NM nm -> nm.m() * Math.max(1, options.blockSize() / nm.m());
        };
        double[] err = new double[rows * blockSize];
        int groups = (rows + ROW_GROUP - 1) / ROW_GROUP;
        for (int i1 = 0; i1 < cols; i1 += blockSize) {
            int start = i1;
            int end = Math.min(cols, i1 + blockSize);
            if (pattern instanceof SparsityPattern.Unstructured un) {
                selectBlockMask(w, u, rows, cols, start, end, un.sparsity(), kept);
            }
            parallelism.forEach(groups, g -> {
                int r0 = g * ROW_GROUP;
                int r1 = Math.min(rows, r0 + ROW_GROUP);
                for (int r = r0; r < r1; r++) {
                    sweepBlock(w, u, kept, err, blockSize, cols, r, start, end, pattern);
                }
                lazyUpdate(w, u, err, blockSize, cols, r0, r1, start, end);
            });
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] = kept[i] ? (float) w[i] : 0f;
        }
        return new PruneResult(rows, cols, kept);
    }

    /**
     * {@code U} with {@code H⁻¹ = UᵀU}, row-major: the reference's {@code cholesky},
     * {@code cholesky_inverse}, {@code cholesky(upper=True)}.
     */
    private static double[] upperCholeskyOfInverse(DMatrixRMaj hessian) {
        int n = hessian.numRows;
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.chol(n);
        if (!solver.setA(hessian)) {
            throw new IllegalStateException("the damped Hessian (" + n + " × " + n
                    + ") is not positive definite: raise percDamp or collect more calibration samples");
        }
        DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        solver.invert(inverse);
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
        if (!chol.decompose(inverse)) {
            throw new IllegalStateException("the inverse of the damped Hessian (" + n + " × " + n
                    + ") is not numerically positive definite: raise percDamp");
        }
        DMatrixRMaj lower = chol.getT(null);
        double[] l = lower.data;
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                u[i * n + j] = l[j * n + i];
            }
        }
        return u;
    }

    /** Unstructured mask of columns {@code [start, end)}: prune {@code w²/U_ii² ≤} the {@code ⌊numel·s⌋}-th smallest. */
    private static void selectBlockMask(double[] w, double[] u, int rows, int cols, int start, int end, double sparsity,
                                        boolean[] kept) {
        int count = end - start;
        double[] score = new double[rows * count];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < count; i++) {
                double d = u[(start + i) * cols + start + i];
                double v = w[r * cols + start + i];
                score[r * count + i] = v * v / (d * d);
            }
        }
        double[] sorted = score.clone();
        Arrays.sort(sorted);
        double threshold = sorted[(int) (score.length * sparsity)];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < count; i++) {
                if (score[r * count + i] <= threshold) {
                    kept[r * cols + start + i] = false;
                }
            }
        }
    }

    /** The sequential OBS sweep of row {@code r} over columns {@code [start, end)}; records each error. */
    private static void sweepBlock(double[] w, double[] u, boolean[] kept, double[] err, int blockSize, int cols, int r,
                                   int start, int end, SparsityPattern pattern) {
        int wo = r * cols;
        int eo = r * blockSize;
        for (int col = start; col < end; col++) {
            if (pattern instanceof SparsityPattern.NM nm && (col - start) % nm.m() == 0) {
                int width = Math.min(nm.m(), cols - col);
                pruneLowestOfGroup(w, u, kept, cols, wo, col, nm.prunedIn(width), width);
            }
            double value = w[wo + col];
            double q = kept[wo + col] ? value : 0.0;
            double d = u[col * cols + col];
            double e = (value - q) / d;
            if (e != 0) {
                KERNEL.addScaled(w, wo, u, col * cols, -e, col + 1, end);
            }
            w[wo + col] = q;
            err[eo + col - start] = e;
        }
    }

    /** Prunes, in the group starting at {@code col}, the {@code n} lowest {@code w²/U_ii²} (ties: lower column). */
    private static void pruneLowestOfGroup(double[] w, double[] u, boolean[] kept, int cols, int wo, int col, int n, int m) {
        double[] score = new double[m];
        for (int k = 0; k < m; k++) {
            double d = u[(col + k) * cols + col + k];
            double v = w[wo + col + k];
            score[k] = v * v / (d * d);
        }
        for (int chosen = 0; chosen < n; chosen++) {
            int best = -1;
            for (int k = 0; k < m; k++) {
                if (kept[wo + col + k] && (best < 0 || score[k] < score[best])) {
                    best = k;
                }
            }
            kept[wo + col + best] = false;
        }
    }

    /** {@code W[r, end:] −= Err[r, :] · U[start:end, end:]} for rows {@code [r0, r1)}, tiled over columns. */
    private static void lazyUpdate(double[] w, double[] u, double[] err, int blockSize, int cols, int r0, int r1,
                                   int start, int end) {
        int count = end - start;
        for (int jt = end; jt < cols; jt += COL_TILE) {
            int jEnd = Math.min(cols, jt + COL_TILE);
            for (int r = r0; r < r1; r++) {
                int wo = r * cols;
                int eo = r * blockSize;
                int k = 0;
                for (; k + 4 <= count; k += 4) {
                    double e0 = -err[eo + k];
                    double e1 = -err[eo + k + 1];
                    double e2 = -err[eo + k + 2];
                    double e3 = -err[eo + k + 3];
                    if (e0 == 0 && e1 == 0 && e2 == 0 && e3 == 0) {
                        continue;
                    }
                    int u0 = (start + k) * cols;
                    KERNEL.addScaled4(w, wo, u, u0, u0 + cols, u0 + 2 * cols, u0 + 3 * cols, e0, e1, e2, e3, jt, jEnd);
                }
                for (; k < count; k++) {
                    double e = -err[eo + k];
                    if (e != 0) {
                        KERNEL.addScaled(w, wo, u, (start + k) * cols, e, jt, jEnd);
                    }
                }
            }
        }
    }
}
