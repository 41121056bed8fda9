package dev.spruce.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.spruce.kernels.TestSupport.weights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Small cases worked out by hand, run against both implementations: these pin the scalar twin to
 * the math (the twin tests then pin SIMD to the scalar twin).
 */
class KernelsTest {

    private static final float EPS = 1e-6f;

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void dotOfSmallVectors(Kernels k) {
        assertEquals(32f, k.dot(new float[] {1, 2, 3}, 0, new float[] {4, 5, 6}, 0, 3), k.name());
        float[] longA = new float[100];
        float[] longB = new float[100];
        for (int i = 0; i < 100; i++) {
            longA[i] = i;
            longB[i] = 2;
        }
        assertEquals(2 * 4950f, k.dot(longA, 0, longB, 0, 100), k.name());
        assertEquals(2 * (4950f - 0 - 1), k.dot(longA, 2, longB, 0, 98), "offset dot " + k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void weightDotsForEveryDtype(Kernels k) {
        float[] w = {1, -2, 0.5f};
        float[] x = {2, 3, 4};
        try (Arena arena = Arena.ofConfined()) {
            for (WeightDtype dtype : WeightDtype.values()) {
                MemorySegment segment = weights(arena, dtype, w);
                assertEquals(-2f, k.dot(dtype, segment, 0, x, 0, 3), dtype + " " + k.name());
                assertEquals(-6f + 2f, k.dot(dtype, segment, 1, x, 1, 2), dtype + " offset " + k.name());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void weightIndexOutOfTheSegmentIsRejected(Kernels k) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = weights(arena, WeightDtype.BF16, new float[4]);
            float[] x = new float[8];
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> k.dotBf16(segment, 1, x, 0, 4));
            assertEquals("weights [1, 5) outside a BF16 segment of 4 elements", e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void matvecAndMatmulOfATwoByThreeMatrix(Kernels k) {
        try (Arena arena = Arena.ofConfined()) {
            for (WeightDtype dtype : WeightDtype.values()) {
                DenseMatrix m = new DenseMatrix(weights(arena, dtype, new float[] {1, 2, 3, 4, 5, 6}), dtype, 2, 3);
                float[] out = new float[2];
                k.matvec(m, new float[] {1, 1, 1}, out, 0, 2);
                assertArrayEquals(new float[] {6, 15}, out, dtype + " " + k.name());
                float[] batchOut = new float[4];
                k.matmul(m, new float[] {1, 1, 1, 1, 0, -1}, 2, batchOut, 0, 2);
                assertArrayEquals(new float[] {6, 15, -2, -2}, batchOut, dtype + " " + k.name());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void matvecSplitIntoRowRangesEqualsWholeCall(Kernels k) {
        int rows = 37;
        int cols = 45;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 7) - 3;
        }
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (i % 5) * 0.5f;
        }
        try (Arena arena = Arena.ofConfined()) {
            DenseMatrix m = new DenseMatrix(weights(arena, WeightDtype.BF16, values), WeightDtype.BF16, rows, cols);
            float[] whole = new float[rows];
            k.matvec(m, x, whole, 0, rows);
            float[] split = new float[rows];
            k.matvec(m, x, split, 0, 13);
            k.matvec(m, x, split, 13, 30);
            k.matvec(m, x, split, 30, rows);
            assertArrayEquals(whole, split, k.name());
            for (int r = 0; r < rows; r++) {
                float expected = 0;
                for (int c = 0; c < cols; c++) {
                    expected += values[r * cols + c] * x[c];   // small integers and halves: exact
                }
                assertEquals(expected, whole[r], "row " + r + " " + k.name());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void rmsNormOfThreeFour(Kernels k) {
        // mean of squares = (9 + 16) / 2 = 12.5, rms = 3.5355339
        float[] out = new float[2];
        k.rmsNorm(new float[] {3, 4}, 0, new float[] {1, 1}, 0f, out, 0, 2);
        assertArrayEquals(new float[] {0.8485281f, 1.1313709f}, out, EPS, k.name());
        k.rmsNorm(new float[] {3, 4}, 0, new float[] {2, 0.5f}, 0f, out, 0, 2);
        assertArrayEquals(new float[] {1.6970563f, 0.56568545f}, out, EPS, k.name());
        // eps keeps a zero vector finite
        k.rmsNorm(new float[] {0, 0}, 0, new float[] {1, 1}, 1e-6f, out, 0, 2);
        assertArrayEquals(new float[] {0, 0}, out, k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void ropeAtPositionZeroIsIdentity(Kernels k) {
        RopeTable table = RopeTable.create(64, 4, 10_000, RopeScaling.none());
        float[] x = new float[2 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.25f - 7;
        }
        float[] rotated = x.clone();
        k.rope(table, 0, rotated, 0, 2);
        assertArrayEquals(x, rotated, k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void ropePairsElementWithTheOneHalfAHeadAway(Kernels k) {
        // headDim 4, theta 10000: inv_freq = [1, 0.01]; pairs (0, 2) turn by 1 rad, (1, 3) by 0.01 rad.
        RopeTable table = RopeTable.create(4, 2, 10_000, RopeScaling.none());
        float[] x = {9, 1, 2, 3, 4};
        k.rope(table, 1, x, 1, 1);
        double c1 = Math.cos(1);
        double s1 = Math.sin(1);
        double c2 = Math.cos(0.01);
        double s2 = Math.sin(0.01);
        assertArrayEquals(new float[] {9, (float) (1 * c1 - 3 * s1), (float) (2 * c2 - 4 * s2),
                (float) (3 * c1 + 1 * s1), (float) (4 * c2 + 2 * s2)}, x, EPS, k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void siluGate(Kernels k) {
        float[] gate = {0, 1, -1, 100, -100};
        float[] up = {5, 2, 2, 3, 3};
        float[] out = new float[5];
        k.siluMul(gate, 0, up, 0, out, 0, 5);
        assertArrayEquals(new float[] {0, 1.4621172f, -0.5378828f, 300, -0f}, out, EPS, k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void softmaxSumsToOne(Kernels k) {
        float[] x = {7, 1, 2, 3, 7};
        k.softmax(x, 1, 4);
        assertArrayEquals(new float[] {7, 0.09003057f, 0.24472847f, 0.66524096f, 7}, x, EPS, k.name());
        float[] big = new float[100];
        for (int i = 0; i < big.length; i++) {
            big[i] = 1000 + (i % 3);   // would overflow exp without subtracting the maximum
        }
        k.softmax(big, 0, big.length);
        double sum = 0;
        for (float p : big) {
            sum += p;
        }
        assertEquals(1.0, sum, 1e-5, k.name());
        assertEquals(big[2] / big[0], Math.exp(2), 1e-4, k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void attentionAveragesValuesOfEqualKeys(Kernels k) {
        int headDim = 3;
        // [position][2 kv heads][headDim], query head reads kv head 1
        float[] keys = {0, 0, 0, 1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0, 0, 1, 2, 3};
        float[] values = {0, 0, 0, 3, 0, 6, 0, 0, 0, 6, 3, 0, 0, 0, 0, 0, 3, 3};
        float[] scores = new float[3];
        float[] out = new float[3];
        k.attention(new float[] {1, 1, 1}, 0, headDim, new KvRows(keys, 3, 6), new KvRows(values, 3, 6), 3,
                0.5f, scores, out, 0);
        assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f}, scores, EPS, k.name());
        assertArrayEquals(new float[] {3, 2, 3}, out, EPS, k.name());
        k.attention(new float[] {1, 1, 1}, 0, headDim, new KvRows(keys, 3, 6), new KvRows(values, 3, 6), 1,
                0.5f, scores, out, 0);
        assertArrayEquals(new float[] {3, 0, 6}, out, EPS, "length 1 returns v_0: " + k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void argmaxPrefersTheLowerIndexAndSkipsNaN(Kernels k) {
        assertEquals(1, k.argmax(new float[] {1, 3, 3, 2}, 0, 4), k.name());
        assertEquals(2, k.argmax(new float[] {Float.NaN, 1, 2}, 0, 3), k.name());
        assertEquals(3, k.argmax(new float[] {9, 1, 2, 5}, 1, 4), "range " + k.name());
        float[] logits = new float[1000];
        logits[777] = 4;
        logits[900] = 4;
        logits[999] = 3;
        assertEquals(777, k.argmax(logits, 0, 1000), k.name());
        float[] masked = new float[40];
        Arrays.fill(masked, Float.NEGATIVE_INFINITY);
        assertEquals(5, k.argmax(masked, 5, 40), "all -inf gives from: " + k.name());
    }

    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void topKIsDescendingWithTiesByIndex(Kernels k) {
        int[] indices = new int[8];
        float[] x = {1, 5, 3, 5, 2};
        assertEquals(3, k.topK(x, 0, 5, 3, indices), k.name());
        assertArrayEquals(new int[] {1, 3, 2}, Arrays.copyOf(indices, 3), k.name());
        assertEquals(5, k.topK(x, 0, 5, 8, indices), "k larger than the range: " + k.name());
        assertArrayEquals(new int[] {1, 3, 2, 4, 0}, Arrays.copyOf(indices, 5), k.name());
        assertEquals(1, k.topK(new float[] {Float.NaN, 2, Float.NaN}, 0, 3, 2, indices), "NaN skipped " + k.name());
        assertEquals(1, indices[0]);
        float[] logits = new float[500];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = i % 100;
        }
        assertEquals(4, k.topK(logits, 0, 500, 4, indices), k.name());
        assertArrayEquals(new int[] {99, 199, 299, 399}, Arrays.copyOf(indices, 4), k.name());
    }
}
