package dev.spruce.compress.prune;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;

import org.ejml.data.DMatrixRMaj;

/**
 * SparseGPT's layer Hessian {@code H = (2/n) Σ XᵀX}, kept in double and updated by blocked rank-k
 * updates over the batch rows: the hot loop of SparseGPT calibration ({@code cols² × tokens}
 * multiply-adds). Only the upper triangle is accumulated; {@link #toMatrix()} mirrors it.
 *
 * <p>Work items are blocks of {@value #ROW_BLOCK} rows of H, handed out largest first (the upper
 * triangle makes early blocks longer). Inside an item a {@value #COL_TILE}-wide segment of one H
 * row stays in L1 while {@value #BATCH_CHUNK} input rows stream past it from L2, four input rows per
 * pass so each load and store of H carries four fused multiply-adds ({@link Kernels#addScaled4}).
 */
final class HessianAccumulator {

    /** Rows of H per work item: small enough to balance two to a few dozen threads. */
    static final int ROW_BLOCK = 32;
    /** Doubles of one H row updated together: 2 KiB, comfortably inside L1. */
    static final int COL_TILE = 256;
    /** Input rows widened to double at a time: a 64 × 256 tile of X is 128 KiB, inside L2. */
    static final int BATCH_CHUNK = 64;

    private final int n;
    private final double[] h;
    private final Parallelism parallelism;
    private final Kernels kernel = KernelProvider.get();

    HessianAccumulator(int features, Parallelism parallelism) {
        if ((long) features * features > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a Hessian of " + features + " features does not fit in one array");
        }
        this.n = features;
        this.h = new double[features * features];
        this.parallelism = parallelism;
    }

    /**
     * {@code H = keep · H + scale · XᵀX} for {@code X = x[0 .. batch·n)} row-major {@code [batch][n]}.
     */
    void add(float[] x, int batch, double keep, double scale) {
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        if (keep != 1.0) {
            parallelism.forEach(blocks, b -> rescale(b, keep));
        }
        double[] chunk = new double[Math.min(batch, BATCH_CHUNK) * n];
        for (int t0 = 0; t0 < batch; t0 += BATCH_CHUNK) {
            int rows = Math.min(BATCH_CHUNK, batch - t0);
            for (int k = 0, src = t0 * n, len = rows * n; k < len; k++) {
                chunk[k] = x[src + k];
            }
            parallelism.forEach(blocks, b -> accumulate(b, chunk, rows, scale));
        }
    }

    private void rescale(int block, double keep) {
        int i1 = Math.min(n, (block + 1) * ROW_BLOCK);
        for (int i = block * ROW_BLOCK; i < i1; i++) {
            for (int k = i * n + i, end = (i + 1) * n; k < end; k++) {
                h[k] *= keep;
            }
        }
    }

    private void accumulate(int block, double[] xs, int rows, double scale) {
        int i0 = block * ROW_BLOCK;
        int i1 = Math.min(n, i0 + ROW_BLOCK);
        for (int jt = i0; jt < n; jt += COL_TILE) {
            int jEnd = Math.min(n, jt + COL_TILE);
            for (int i = i0; i < i1; i++) {
                int jStart = Math.max(jt, i);
                if (jStart < jEnd) {
                    updateSegment(xs, rows, scale, i, jStart, jEnd);
                }
            }
        }
    }

    /** {@code H[i][j] += scale · Σ_t X[t][i] · X[t][j]} for {@code j} in {@code [j0, j1)}. */
    private void updateSegment(double[] xs, int rows, double scale, int i, int j0, int j1) {
        int hOff = i * n;
        int t = 0;
        for (; t + 4 <= rows; t += 4) {
            int o0 = t * n;
            int o1 = o0 + n;
            int o2 = o1 + n;
            int o3 = o2 + n;
            kernel.addScaled4(h, hOff, xs, o0, o1, o2, o3,
                    scale * xs[o0 + i], scale * xs[o1 + i], scale * xs[o2 + i], scale * xs[o3 + i], j0, j1);
        }
        for (; t < rows; t++) {
            int o = t * n;
            kernel.addScaled(h, hOff, xs, o, scale * xs[o + i], j0, j1);
        }
    }

    /** The full symmetric Hessian, in a new matrix. */
    DMatrixRMaj toMatrix() {
        DMatrixRMaj m = new DMatrixRMaj(n, n);
        double[] d = m.data;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = h[i * n + j];
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        return m;
    }
}
