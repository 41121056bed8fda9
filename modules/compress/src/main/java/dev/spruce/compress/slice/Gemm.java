package dev.spruce.compress.slice;

import dev.spruce.kernels.Kernels;
import dev.spruce.model.WorkerPool;

/**
 * {@code C = A · B} in double, row-major with explicit strides: how SliceGPT absorbs its rotations
 * into the weights (the reference multiplies in float64 too). Rotating a 1B-parameter model costs
 * about {@code params × hidden} multiply-adds, so the product is blocked for the cache and split
 * over the worker pool.
 *
 * <p>Work items are blocks of {@value #ROW_BLOCK} rows of C. Inside an item, a
 * {@value #K_BLOCK} × {@value #COL_TILE} tile of B (128 KiB) stays in L2 while the block's rows
 * pass over it, and a {@value #COL_TILE}-wide segment of one C row stays in L1 while four rows of
 * the tile are folded into it per pass ({@link Kernels#addScaled4}: four fused multiply-adds per
 * load and store of C).
 */
final class Gemm {

    /** Rows of C per work item: enough to reuse each B tile, few enough to balance two cores. */
    static final int ROW_BLOCK = 32;
    /** Rows of B per tile. */
    static final int K_BLOCK = 64;
    /** Columns of B and C per tile: 2 KiB of one C row. */
    static final int COL_TILE = 256;

    private Gemm() {
    }

    /**
     * A matrix view: element {@code (r, c)} at {@code data[offset + r * stride + c]}.
     */
    record View(double[] data, int offset, int stride) {
        static View of(double[] data, int cols) {
            return new View(data, 0, cols);
        }
    }

    /** {@code C[m][n] = A[m][k] · B[k][n]} into a new row-major array. */
    static double[] multiply(View a, View b, int m, int k, int n, WorkerPool pool, Kernels kernels) {
        double[] c = new double[m * n];
        int blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
        pool.forRange(blocks, (start, end, worker) -> {
            for (int block = start; block < end; block++) {
                multiplyBlock(a, b, c, block * ROW_BLOCK, Math.min(m, (block + 1) * ROW_BLOCK), k, n, kernels);
            }
        });
        return c;
    }

    private static void multiplyBlock(View a, View b, double[] c, int i0, int i1, int k, int n, Kernels kernels) {
        double[] ad = a.data();
        double[] bd = b.data();
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int k1 = Math.min(k, k0 + K_BLOCK);
            for (int j0 = 0; j0 < n; j0 += COL_TILE) {
                int j1 = Math.min(n, j0 + COL_TILE);
                for (int i = i0; i < i1; i++) {
                    int ai = a.offset() + i * a.stride();
                    int ci = i * n;
                    int kk = k0;
                    for (; kk + 4 <= k1; kk += 4) {
                        int o0 = b.offset() + kk * b.stride();
                        kernels.addScaled4(c, ci, bd, o0, o0 + b.stride(), o0 + 2 * b.stride(), o0 + 3 * b.stride(),
                                ad[ai + kk], ad[ai + kk + 1], ad[ai + kk + 2], ad[ai + kk + 3], j0, j1);
                    }
                    for (; kk < k1; kk++) {
                        kernels.addScaled(c, ci, bd, b.offset() + kk * b.stride(), ad[ai + kk], j0, j1);
                    }
                }
            }
        }
    }

    /** The transpose of a row-major {@code rows × cols} matrix. */
    static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
