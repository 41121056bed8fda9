package dev.spruce.kernels;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.spruce.kernels.TestSupport.U;
import static dev.spruce.kernels.TestSupport.seed;
import static dev.spruce.kernels.TestSupport.uniform;
import static dev.spruce.kernels.TestSupport.where;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SIMD RMSNorm, RoPE, SiLU gate and softmax against their scalar twins. */
class ActivationKernelTwinsTest {

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels simd = KernelProvider.simd();

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void rmsNormMatchesScalar(int n) {
        long seed = seed("rmsNorm", n);
        Random random = new Random(seed);
        float[] x = uniform(random, n + 4);
        float[] weight = uniform(random, n);
        float[] expected = new float[n + 1];
        float[] actual = new float[n + 1];
        scalar.rmsNorm(x, 4, weight, 1e-5f, expected, 1, n);
        simd.rmsNorm(x, 4, weight, 1e-5f, actual, 1, n);
        // The sum of squares differs by at most 2(n+1)u relatively; the scale by half that plus rounding.
        double relative = (2 * n + 8) * U;
        for (int i = 1; i <= n; i++) {
            assertEquals(expected[i], actual[i], relative * Math.abs(expected[i]) + Float.MIN_NORMAL,
                    where("rmsNorm element " + i, n, seed));
        }
        float[] inPlace = x.clone();
        simd.rmsNorm(inPlace, 4, weight, 1e-5f, inPlace, 4, n);
        assertArrayEquals(Arrays.copyOfRange(actual, 1, n + 1), Arrays.copyOfRange(inPlace, 4, n + 4),
                where("rmsNorm in place", n, seed));
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void ropeMatchesScalarExactly(int half) {
        long seed = seed("rope", half);
        Random random = new Random(seed);
        int headDim = 2 * half;
        int heads = 3;
        RopeTable table = RopeTable.create(headDim, 8, 10_000, RopeScaling.none());
        float[] x = uniform(random, 5 + heads * headDim);
        float[] expected = x.clone();
        float[] actual = x.clone();
        // Same operations in the same order (fma, mul, neg): the twins must agree to the bit.
        scalar.rope(table, 7, expected, 5, heads);
        simd.rope(table, 7, actual, 5, heads);
        assertArrayEquals(expected, actual, where("rope headDim=" + headDim, half, seed));
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void siluMulMatchesScalar(int n) {
        long seed = seed("siluMul", n);
        Random random = new Random(seed);
        float[] gate = uniform(random, n + 1);
        float[] up = uniform(random, n + 2);
        for (int i = 0; i < gate.length; i++) {
            gate[i] *= 20;   // reach both saturated ends of the sigmoid
        }
        float[] expected = new float[n];
        float[] actual = new float[n];
        scalar.siluMul(gate, 1, up, 2, expected, 0, n);
        simd.siluMul(gate, 1, up, 2, actual, 0, n);
        for (int i = 0; i < n; i++) {
            // exp within a few ulps of Math.exp, then a division and a product.
            assertEquals(expected[i], actual[i], 16 * U * Math.abs(expected[i]) + Float.MIN_NORMAL,
                    where("siluMul element " + i, n, seed));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void softmaxMatchesScalar(int n) {
        long seed = seed("softmax", n);
        Random random = new Random(seed);
        float[] x = uniform(random, n + 6);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 10;
        }
        float[] expected = x.clone();
        float[] actual = x.clone();
        scalar.softmax(expected, 3, 3 + n);
        simd.softmax(actual, 3, 3 + n);
        double relative = (2 * n + 16) * U;
        for (int i = 0; i < x.length; i++) {
            String at = where("softmax element " + i, n, seed);
            if (i < 3 || i >= 3 + n) {
                assertEquals(x[i], actual[i], 0, "outside the range: " + at);
            } else {
                assertEquals(expected[i], actual[i], relative * expected[i] + Float.MIN_NORMAL, at);
            }
        }
    }
}
