package dev.spruce.kernels;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.spruce.kernels.TestSupport.U;
import static dev.spruce.kernels.TestSupport.seed;
import static dev.spruce.kernels.TestSupport.uniform;
import static dev.spruce.kernels.TestSupport.where;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SIMD label scoring, top selection and gathered attention against their scalar twins, and by hand. */
class SparseAttentionKernelTwinsTest {

    private final AttentionKernels scalar = AttentionKernelProvider.scalar();
    private final AttentionKernels simd = AttentionKernelProvider.simd();

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void labelScoresMatchScalarExactly(int length) {
        for (int channels : new int[] {1, 3, 8, 16}) {
            long seed = seed("labelScores" + channels, length);
            Random random = new Random(seed);
            int stride = length + 5;
            float[] labels = uniform(random, 2 + channels * stride);
            float[] q = uniform(random, channels + 1);
            float[] expected = new float[length];
            float[] actual = new float[length];
            scalar.labelScores(q, 1, channels, labels, 2, stride, length, expected);
            simd.labelScores(q, 1, channels, labels, 2, stride, length, actual);
            assertArrayEquals(expected, actual, where("labelScores channels=" + channels, length, seed));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void labelScores4MatchScalarExactly(int length) {
        for (int channels : new int[] {1, 4, 7, 16}) {
            long seed = seed("labelScores4" + channels, length);
            Random random = new Random(seed);
            int stride = length + 3;
            byte[] codes = new byte[1 + (channels + 1) / 2 * stride];
            random.nextBytes(codes);
            float[] scale = uniform(random, length + 2);
            float[] min = uniform(random, length + 2);
            float[] q = uniform(random, channels);
            float[] expected = new float[length];
            float[] actual = new float[length];
            scalar.labelScores4(q, 0, channels, codes, 1, stride, scale, min, 2, length, expected);
            simd.labelScores4(q, 0, channels, codes, 1, stride, scale, min, 2, length, actual);
            assertArrayEquals(expected, actual, where("labelScores4 channels=" + channels, length, seed));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void selectTopMatchesScalar(int n) {
        long seed = seed("selectTop", n);
        Random random = new Random(seed);
        float[] distinct = uniform(random, n);
        float[] ties = new float[n];
        float[] special = uniform(random, n);
        for (int i = 0; i < n; i++) {
            ties[i] = random.nextInt(4);
            if (random.nextInt(7) == 0) {
                special[i] = random.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
            }
        }
        for (float[] x : new float[][] {distinct, ties, special}) {
            for (int k : new int[] {0, 1, 5, n / 16 + 1, n / 2 + 1, n, n + 3}) {
                int[] expected = new int[Math.max(k, 1)];
                int[] actual = new int[Math.max(k, 1)];
                int e = scalar.selectTop(x, n, k, expected, new float[n]);
                int a = simd.selectTop(x, n, k, actual, new float[n]);
                String at = where("selectTop k=" + k, n, seed);
                assertEquals(e, a, at);
                assertArrayEquals(Arrays.copyOf(expected, e), Arrays.copyOf(actual, a), at);
            }
        }
    }

    /** The same set as a full sort (value descending, lower index first), in index order. */
    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void selectTopIsTheTopK(int n) {
        long seed = seed("selectTopSort", n);
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(Math.max(2, n / 3));
        }
        int k = Math.max(1, n / 8);
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> x[a] != x[b] ? Float.compare(x[b], x[a]) : Integer.compare(a, b));
        int[] expected = Arrays.stream(order).limit(k).mapToInt(Integer::intValue).sorted().toArray();
        for (AttentionKernels kernels : new AttentionKernels[] {scalar, simd}) {
            int[] actual = new int[k];
            assertEquals(k, kernels.selectTop(x, n, k, actual, new float[n]));
            assertArrayEquals(expected, actual, where("selectTop " + kernels.name(), n, seed));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#sizes")
    void gatheredAttentionMatchesScalar(int length) {
        for (int headDim : new int[] {7, 8, 64}) {
            long seed = seed("gathered" + headDim, length);
            Random random = new Random(seed);
            int stride = 2 * headDim;
            KvRows keys = new KvRows(uniform(random, 3 + length * stride), 3 + headDim, stride);
            KvRows values = new KvRows(uniform(random, length * stride), headDim, stride);
            int count = Math.max(1, length / 3);
            int[] positions = new int[count];
            for (int j = 0; j < count; j++) {
                positions[j] = random.nextInt(length);
            }
            float[] q = uniform(random, headDim);
            for (int i = 0; i < headDim; i++) {
                q[i] *= 8;
            }
            float scale = (float) (1 / Math.sqrt(headDim));
            float[] ep = new float[count];
            float[] ap = new float[count];
            float[] expected = new float[headDim];
            float[] actual = new float[headDim];
            scalar.gatheredAttention(q, 0, headDim, keys, values, positions, count, scale, ep, expected, 0);
            simd.gatheredAttention(q, 0, headDim, keys, values, positions, count, scale, ap, actual, 0);
            double scoreError = 2 * (headDim + 1) * U * 8 * headDim * scale;
            double relative = 2 * scoreError + (2 * count + 16) * U;
            for (int j = 0; j < count; j++) {
                assertEquals(ep[j], ap[j], relative * ep[j] + Float.MIN_NORMAL, where("gathered p", length, seed));
            }
            for (int d = 0; d < headDim; d++) {
                assertEquals(expected[d], actual[d], relative + Float.MIN_NORMAL, where("gathered out", length, seed));
            }
        }
    }

    /** By hand: two positions of headDim 2, only position 1 gathered, so it gets all the weight. */
    @Test
    void gatheredAttentionOverOnePositionReturnsItsValue() {
        KvRows keys = new KvRows(new float[] {1, 0, 0, 1}, 0, 2);
        KvRows values = new KvRows(new float[] {10, 20, 30, 40}, 0, 2);
        for (AttentionKernels kernels : new AttentionKernels[] {scalar, simd}) {
            float[] out = new float[2];
            float[] p = new float[1];
            kernels.gatheredAttention(new float[] {5, 5}, 0, 2, keys, values, new int[] {1}, 1, 1f, p, out, 0);
            assertArrayEquals(new float[] {30, 40}, out);
            assertEquals(1f, p[0]);
        }
    }

    /** By hand: labels {2 channels × 3 positions}, and the same in 4 bits with scale 0.5 and zero -1. */
    @Test
    void labelScoresByHand() {
        float[] labels = {1, 2, 3, /* channel 1 */ -1, 0, 1};
        float[] q = {2, 1};
        byte[] codes = {(byte) 0x21, (byte) 0x43, (byte) 0x65};   // position t: channel 0 = 2t+1, channel 1 = 2t+2
        float[] scale = {0.5f, 0.5f, 0.5f};
        float[] min = {-1, -1, -1};
        for (AttentionKernels kernels : new AttentionKernels[] {scalar, simd}) {
            float[] s = new float[3];
            kernels.labelScores(q, 0, 2, labels, 0, 3, 3, s);
            assertArrayEquals(new float[] {1, 4, 7}, s);
            kernels.labelScores4(q, 0, 2, codes, 0, 3, scale, min, 0, 3, s);
            // position 0: values (-0.5, 0) → 2·(-0.5) + 0 = -1; position 1: (0.5, 1) → 2; position 2: (1.5, 2) → 5
            assertArrayEquals(new float[] {-1, 2, 5}, s);
        }
    }

    @Test
    void selectTopByHand() {
        float[] x = {0.5f, 3, 1, 3, 2, Float.NaN, 3};
        for (AttentionKernels kernels : new AttentionKernels[] {scalar, simd}) {
            int[] p = new int[3];
            assertEquals(3, kernels.selectTop(x, 7, 3, p, new float[7]));
            assertArrayEquals(new int[] {1, 3, 6}, p);
            int[] two = new int[2];
            assertEquals(2, kernels.selectTop(x, 7, 2, two, new float[7]));
            assertArrayEquals(new int[] {1, 3}, two, "ties at the threshold: lower indices first");
            int[] all = new int[7];
            assertEquals(6, kernels.selectTop(x, 7, 7, all, new float[7]), "NaN is never chosen");
        }
    }
}
