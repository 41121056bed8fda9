package dev.spruce.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.spruce.kernels.TestSupport.dotTolerance;
import static dev.spruce.kernels.TestSupport.seed;
import static dev.spruce.kernels.TestSupport.sumAbsProducts;
import static dev.spruce.kernels.TestSupport.uniform;
import static dev.spruce.kernels.TestSupport.weights;
import static dev.spruce.kernels.TestSupport.where;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIMD weight kernels against their scalar twin, for every dtype, over odd and even sizes. */
class DenseKernelTwinsTest {

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels simd = KernelProvider.simd();

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void arrayDotMatchesScalar(int n) {
        long seed = seed("dot", n);
        Random random = new Random(seed);
        float[] a = uniform(random, n + 3);
        float[] b = uniform(random, n + 5);
        float expected = scalar.dot(a, 3, b, 5, n);
        float actual = simd.dot(a, 3, b, 5, n);
        assertEquals(expected, actual, dotTolerance(n, sumAbsProducts(a, 3, b, 5, n)), where("dot", n, seed));
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void weightDotsMatchScalar(int n) {
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("dot" + dtype, n);
            Random random = new Random(seed);
            float[] values = uniform(random, n + 2);
            float[] x = uniform(random, n + 1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment w = weights(arena, dtype, values);
                float[] widened = new float[n];
                scalar.toFloats(dtype, w, 2, widened, 0, n);
                float expected = scalar.dot(dtype, w, 2, x, 1, n);
                float actual = simd.dot(dtype, w, 2, x, 1, n);
                assertEquals(expected, actual, dotTolerance(n, sumAbsProducts(widened, 0, x, 1, n)),
                        where("dot" + dtype, n, seed));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void toFloatsMatchesScalarBitForBit(int n) {
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("toFloats" + dtype, n);
            Random random = new Random(seed);
            float[] values = uniform(random, n + 1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment w = weights(arena, dtype, values);
                float[] expected = new float[n + 2];
                float[] actual = new float[n + 2];
                scalar.toFloats(dtype, w, 1, expected, 2, n);
                simd.toFloats(dtype, w, 1, actual, 2, n);
                assertTrue(Arrays.equals(expected, actual), where("toFloats" + dtype, n, seed));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void addScaledMatchesScalarBitForBit(int n) {
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("addScaled" + dtype, n);
            Random random = new Random(seed);
            float[] values = uniform(random, n + 3);
            float[] start = uniform(random, n + 2);
            float a = random.nextFloat() - 0.5f;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment w = weights(arena, dtype, values);
                float[] expected = start.clone();
                float[] actual = start.clone();
                scalar.addScaled(dtype, w, 3, a, expected, 1, n);
                simd.addScaled(dtype, w, 3, a, actual, 1, n);
                assertTrue(Arrays.equals(expected, actual), where("addScaled" + dtype, n, seed));
                float[] widened = new float[n];
                scalar.toFloats(dtype, w, 3, widened, 0, n);
                if (n > 0) {
                    assertEquals(Math.fma(a, widened[n - 1], start[n]), expected[n], 0f, "scalar addScaled is an fma");
                    assertEquals(start[n + 1], expected[n + 1], 0f, "addScaled wrote past its range");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void matvecMatchesScalar(int cols) {
        int rows = 7;
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("matvec" + dtype, cols);
            Random random = new Random(seed);
            float[] values = uniform(random, rows * cols);
            float[] x = uniform(random, cols);
            try (Arena arena = Arena.ofConfined()) {
                DenseMatrix m = new DenseMatrix(weights(arena, dtype, values), dtype, rows, cols);
                float[] widened = new float[rows * cols];
                scalar.toFloats(dtype, m.data(), 0, widened, 0, rows * cols);
                for (int[] range : new int[][] {{0, rows}, {2, 5}}) {
                    float[] expected = filled(rows);
                    float[] actual = filled(rows);
                    scalar.matvec(m, x, expected, range[0], range[1]);
                    simd.matvec(m, x, actual, range[0], range[1]);
                    for (int r = 0; r < rows; r++) {
                        String at = where("matvec" + dtype + " row " + r + " of " + Arrays.toString(range), cols, seed);
                        if (r < range[0] || r >= range[1]) {
                            assertTrue(Float.isNaN(actual[r]), "row outside the range was written: " + at);
                        } else {
                            double tol = dotTolerance(cols, sumAbsProducts(widened, r * cols, x, 0, cols));
                            assertEquals(expected[r], actual[r], tol, at);
                        }
                    }
                }
            }
        }
    }

    /** Rows are computed in groups by the SIMD matvec; a row's value must not depend on its group (the thread split). */
    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void matvecRowsAreTheSameBitForBitWhateverTheRange(int cols) {
        int rows = 11;
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("matvec-ranges" + dtype, cols);
            Random random = new Random(seed);
            float[] values = uniform(random, rows * cols);
            float[] x = uniform(random, cols);
            try (Arena arena = Arena.ofConfined()) {
                DenseMatrix m = new DenseMatrix(weights(arena, dtype, values), dtype, rows, cols);
                float[] whole = filled(rows);
                simd.matvec(m, x, whole, 0, rows);
                for (int[] range : new int[][] {{1, rows}, {2, 5}, {3, 10}, {6, 7}}) {
                    float[] part = filled(rows);
                    simd.matvec(m, x, part, range[0], range[1]);
                    for (int r = range[0]; r < range[1]; r++) {
                        assertEquals(whole[r], part[r], 0f,
                                where("matvec" + dtype + " row " + r + " of " + Arrays.toString(range), cols, seed));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void matmulMatchesScalar(int cols) {
        // 9 rows = two 4-row tiles + one left over; batches: one item, one pair, a pair + one, two pairs + one.
        int rows = 9;
        for (int batch : new int[] {1, 2, 3, 5}) {
            for (WeightDtype dtype : WeightDtype.values()) {
                long seed = seed("matmul" + dtype + "x" + batch, cols);
                Random random = new Random(seed);
                float[] values = uniform(random, rows * cols);
                float[] x = uniform(random, batch * cols);
                try (Arena arena = Arena.ofConfined()) {
                    DenseMatrix m = new DenseMatrix(weights(arena, dtype, values), dtype, rows, cols);
                    float[] widened = new float[rows * cols];
                    scalar.toFloats(dtype, m.data(), 0, widened, 0, rows * cols);
                    for (int[] range : new int[][] {{0, rows}, {1, 8}, {3, 4}}) {
                        float[] expected = filled(batch * rows);
                        float[] actual = filled(batch * rows);
                        scalar.matmul(m, x, batch, expected, range[0], range[1]);
                        simd.matmul(m, x, batch, actual, range[0], range[1]);
                        for (int b = 0; b < batch; b++) {
                            for (int r = 0; r < rows; r++) {
                                String at = where("matmul" + dtype + " batch " + batch + " b=" + b + " r=" + r
                                        + " rows " + Arrays.toString(range), cols, seed);
                                float got = actual[b * rows + r];
                                if (r < range[0] || r >= range[1]) {
                                    assertTrue(Float.isNaN(got), "row outside the range was written: " + at);
                                } else {
                                    double tol = dotTolerance(cols, sumAbsProducts(widened, r * cols, x, b * cols, cols));
                                    assertEquals(expected[b * rows + r], got, tol, at);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
