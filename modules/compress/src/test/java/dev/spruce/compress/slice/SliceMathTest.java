package dev.spruce.compress.slice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.WorkerPool;

/** The pieces of SliceGPT's arithmetic on examples small enough to check by hand. */
class SliceMathTest {

    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @Test
    void pcaSortsTheDampedEigenvaluesDownwards() {
        // diag(1, 9, 4): the axes are the principal directions, largest variance (axis 1) first;
        // damping adds 1% of the mean diagonal, 0.01 · 14/3, to each eigenvalue.
        Pca p = Pca.of(new DMatrixRMaj(new double[][] {{1, 0, 0}, {0, 9, 0}, {0, 0, 4}}));
        double damp = 0.01 * 14 / 3;
        assertEquals(damp, p.damping(), 1e-15);
        assertArrayEquals(new double[] {9 + damp, 4 + damp, 1 + damp}, p.eigenvalues(), 1e-12);
        int[] axis = {1, 2, 0};
        for (int j = 0; j < 3; j++) {
            for (int r = 0; r < 3; r++) {
                assertEquals(r == axis[j] ? 1 : 0, Math.abs(p.vectors()[r * 3 + j]), 1e-12, "column " + j + ", row " + r);
            }
        }
        assertEquals(9.0 / 14, p.explained(1), 1e-12, "the first direction holds 9 of the 14 units of variance");
        assertEquals(1.0, p.explained(3), 1e-12);
    }

    @Test
    void pcaOfACorrelatedPairFindsTheDiagonal() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1 along (1, 1)/√2 and (1, -1)/√2; damping 0.02.
        Pca p = Pca.of(new DMatrixRMaj(new double[][] {{2, 1}, {1, 2}}));
        assertArrayEquals(new double[] {3.02, 1.02}, p.eigenvalues(), 1e-12);
        double h = Math.sqrt(0.5);
        double[] q = p.vectors();
        assertEquals(h, Math.abs(q[0]), 1e-12);
        assertEquals(q[0], q[2], 1e-12, "first column ∝ (1, 1)");
        assertEquals(h, Math.abs(q[1]), 1e-12);
        assertEquals(-q[1], q[3], 1e-12, "second column ∝ (1, -1)");
        // Q is orthogonal: a row vector along (1, 1) rotates onto the first axis alone
        double[] x = {1, 1};
        double first = x[0] * q[0] + x[1] * q[2];
        double second = x[0] * q[1] + x[1] * q[3];
        assertEquals(Math.sqrt(2), Math.abs(first), 1e-12);
        assertEquals(0, second, 1e-12);
    }

    @Test
    void refusesACovarianceOfNothing() {
        assertThrows(IllegalStateException.class, () -> Pca.of(new DMatrixRMaj(2, 2)));
    }

    @Test
    void gemmMultipliesByHand() {
        // [1 2 3; 4 5 6] · [1 0; 0 1; 1 1] = [4 5; 10 11]
        double[] a = {1, 2, 3, 4, 5, 6};
        double[] b = {1, 0, 0, 1, 1, 1};
        assertArrayEquals(new double[] {4, 5, 10, 11}, Gemm.multiply(Gemm.View.of(a, 3), Gemm.View.of(b, 2), 2, 3, 2,
                pool, KernelProvider.get()), 0);
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, Gemm.transpose(a, 2, 3), 0);
    }

    @Test
    void gemmMatchesTheNaiveProductOnViewsAcrossBlockEdges() {
        long seed = 20251123L;
        Random r = new Random(seed);
        for (int[] s : new int[][] {{1, 1, 1}, {33, 65, 7}, {70, 130, 257}, {5, 300, 3}}) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            // A is the lower-right m × k of a wider matrix, B the first n columns of a wider one
            int aStride = k + 3;
            int bStride = n + 5;
            double[] a = new double[(m + 1) * aStride];
            double[] b = new double[k * bStride];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextGaussian();
            }
            Gemm.View av = new Gemm.View(a, aStride + 3, aStride);
            double[] c = Gemm.multiply(av, new Gemm.View(b, 0, bStride), m, k, n, pool, KernelProvider.get());
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double e = 0;
                    for (int t = 0; t < k; t++) {
                        e += a[aStride + 3 + i * aStride + t] * b[t * bStride + j];
                    }
                    assertEquals(e, c[i * n + j], 1e-12 * k, "seed " + seed + ", " + m + "×" + k + "×" + n);
                }
            }
        }
    }

    @Test
    void keptWidthIsRoundedDownToMultiplesOfEight() {
        assertEquals(64, SliceOptions.of(0).dimension(64));
        assertEquals(56, SliceOptions.of(0.10).dimension(64));
        assertEquals(48, SliceOptions.of(0.20).dimension(64));
        assertEquals(48, SliceOptions.of(0.25).dimension(64));
        assertEquals(40, SliceOptions.of(0.30).dimension(64));
        assertEquals(1536, SliceOptions.of(0.25).dimension(2048));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SliceOptions.of(0.9).dimension(64));
        assertTrue(e.getMessage().contains("at least 8 must remain"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SliceOptions.of(1.0));
        assertThrows(IllegalArgumentException.class, () -> SliceOptions.of(-0.1));
    }
}
