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

/** SIMD attention, argmax and top-k against their scalar twins. */
class AttentionKernelTwinsTest {

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels simd = KernelProvider.simd();

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void attentionMatchesScalar(int length) {
        for (int headDim : new int[] {7, 64, 100}) {
            long seed = seed("attention" + headDim, length);
            Random random = new Random(seed);
            // An interleaved cache [position][kvHeads=2][headDim] read at kvHead 1, as GQA would.
            int stride = 2 * headDim;
            float[] cache = uniform(random, 3 + length * stride);
            float[] values = uniform(random, length * stride);
            KvRows keys = new KvRows(cache, 3 + headDim, stride);
            KvRows vals = new KvRows(values, headDim, stride);
            float[] q = uniform(random, headDim + 2);
            for (int i = 0; i < q.length; i++) {
                q[i] *= 8;   // sharpen the distribution so softmax differences show
            }
            float scale = (float) (1 / Math.sqrt(headDim));
            float[] expectedScores = new float[length];
            float[] actualScores = new float[length];
            float[] expected = new float[headDim + 1];
            float[] actual = new float[headDim + 1];
            scalar.attention(q, 2, headDim, keys, vals, length, scale, expectedScores, expected, 1);
            simd.attention(q, 2, headDim, keys, vals, length, scale, actualScores, actual, 1);
            // Scores differ by a dot tolerance (sum |q k| <= 8 headDim), which exp turns into a
            // relative difference of the probabilities; the weighted sum adds length roundings.
            double scoreError = 2 * (headDim + 1) * U * 8 * headDim * scale;
            double relative = 2 * scoreError + (2 * length + 16) * U;
            for (int t = 0; t < length; t++) {
                assertEquals(expectedScores[t], actualScores[t], relative * expectedScores[t] + Float.MIN_NORMAL,
                        where("attention p[" + t + "] headDim=" + headDim, length, seed));
            }
            for (int d = 0; d <= headDim; d++) {
                assertEquals(expected[d], actual[d], relative + Float.MIN_NORMAL,
                        where("attention out[" + d + "] headDim=" + headDim, length, seed));
            }
        }
    }

    /**
     * Grouped attention gives every head what single-head attention gives it (SIMD: tiles of
     * positions must not change a sum), and the scalar twin's within attention's bound.
     */
    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void groupedAttentionEqualsAttentionPerHead(int length) {
        for (int headDim : new int[] {7, 64, 100}) {
            for (int heads : new int[] {1, 3, 8}) {
                long seed = seed("groupedAttention" + headDim + "x" + heads, length);
                Random random = new Random(seed);
                int stride = 3 * headDim;
                KvRows keys = new KvRows(uniform(random, 1 + length * stride), 1 + headDim, stride);
                KvRows vals = new KvRows(uniform(random, length * stride), 2 * headDim, stride);
                float[] q = uniform(random, heads * headDim + 3);
                for (int i = 0; i < q.length; i++) {
                    q[i] *= 8;
                }
                float scale = (float) (1 / Math.sqrt(headDim));
                for (Kernels k : new Kernels[] {scalar, simd}) {
                    float[] perHead = new float[heads * headDim + 2];
                    float[] grouped = new float[heads * headDim + 2];
                    for (int h = 0; h < heads; h++) {
                        k.attention(q, 3 + h * headDim, headDim, keys, vals, length, scale, new float[length], perHead,
                                2 + h * headDim);
                    }
                    k.groupedAttention(q, 3, heads, headDim, keys, vals, length, scale, new float[heads * length],
                            grouped, 2);
                    // Bit for bit in one compilation tier; the vector exponential of C2 and the
                    // interpreter's may differ by an ulp, so a few ulps of an average of values in [-1, 1].
                    for (int d = 0; d < perHead.length; d++) {
                        assertEquals(perHead[d], grouped[d], 64 * U, where(k.name() + " grouped attention out[" + d
                                + "] headDim=" + headDim + " heads=" + heads, length, seed));
                    }
                }
                float[] expected = new float[heads * headDim];
                float[] actual = new float[heads * headDim];
                scalar.groupedAttention(q, 3, heads, headDim, keys, vals, length, scale, new float[heads * length],
                        expected, 0);
                simd.groupedAttention(q, 3, heads, headDim, keys, vals, length, scale, new float[heads * length],
                        actual, 0);
                double scoreError = 2 * (headDim + 1) * U * 8 * headDim * scale;
                double relative = 2 * scoreError + (2 * length + 16) * U;
                for (int d = 0; d < expected.length; d++) {
                    assertEquals(expected[d], actual[d], relative + Float.MIN_NORMAL,
                            where("grouped attention out[" + d + "] headDim=" + headDim + " heads=" + heads, length,
                                    seed));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void argmaxMatchesScalar(int n) {
        long seed = seed("argmax", n);
        Random random = new Random(seed);
        for (float[] x : selectionInputs(random, n + 2)) {
            assertEquals(scalar.argmax(x, 2, n + 2), simd.argmax(x, 2, n + 2),
                    where("argmax of " + Arrays.toString(Arrays.copyOf(x, Math.min(x.length, 12))), n, seed));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void topKMatchesScalar(int n) {
        long seed = seed("topK", n);
        Random random = new Random(seed);
        for (float[] x : selectionInputs(random, n + 1)) {
            for (int k : new int[] {1, 5, n / 2 + 1, n, n + 3}) {
                int[] expected = new int[k];
                int[] actual = new int[k];
                int expectedCount = scalar.topK(x, 1, n + 1, k, expected);
                int actualCount = simd.topK(x, 1, n + 1, k, actual);
                String at = where("topK k=" + k, n, seed);
                assertEquals(expectedCount, actualCount, at);
                assertArrayEquals(Arrays.copyOf(expected, expectedCount), Arrays.copyOf(actual, actualCount), at);
            }
        }
    }

    /** Distinct values, many ties, and NaN / infinities sprinkled in. */
    private static float[][] selectionInputs(Random random, int n) {
        float[] distinct = uniform(random, n);
        float[] ties = new float[n];
        float[] special = uniform(random, n);
        for (int i = 0; i < n; i++) {
            ties[i] = random.nextInt(4);
            if (random.nextInt(5) == 0) {
                special[i] = switch (random.nextInt(3)) {
                    case 0 -> Float.NaN;
                    case 1 -> Float.NEGATIVE_INFINITY;
                    default -> Float.POSITIVE_INFINITY;
                };
            }
        }
        float[] allNegativeInfinity = new float[n];
        Arrays.fill(allNegativeInfinity, Float.NEGATIVE_INFINITY);
        return new float[][] {distinct, ties, special, allNegativeInfinity};
    }
}
