package dev.spruce.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The double-precision update kernels: SIMD against scalar, bit for bit (they are lane-wise fmas). */
class DoubleKernelTwinsTest {

    private static final long SEED = 424242L;
    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels simd = KernelProvider.get();

    private static double[] random(Random random, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextGaussian();
        }
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 8, 15, 16, 31, 33, 207, 1021, 4097})
    void addScaledMatchesScalarBitForBit(int length) {
        Random random = new Random(SEED + length);
        int from = random.nextInt(5);
        int to = from + length;
        double[] source = random(random, 4 * (to + 3) + 11);
        int o0 = 3;
        int o1 = o0 + to + 2;
        int o2 = o1 + to + 1;
        int o3 = o2 + to;
        double[] c = random(random, 4);
        double[] base = random(random, to + 9);
        double[] expected = base.clone();
        double[] actual = base.clone();
        scalar.addScaled4(expected, 0, source, o0, o1, o2, o3, c[0], c[1], c[2], c[3], from, to);
        simd.addScaled4(actual, 0, source, o0, o1, o2, o3, c[0], c[1], c[2], c[3], from, to);
        assertArrayEquals(expected, actual, "addScaled4, length " + length);

        scalar.addScaled(expected, 2, source, o2, c[1], from, to);
        simd.addScaled(actual, 2, source, o2, c[1], from, to);
        assertArrayEquals(expected, actual, "addScaled, length " + length);
        for (int j = 0; j < from; j++) {
            assertEquals(base[j], actual[j], "untouched below the range");
        }
        for (int j = to + 2; j < base.length; j++) {
            assertEquals(base[j], actual[j], "untouched above the range");
        }
        if (length > 0) {
            double[] hand = base.clone();
            scalar.addScaled(hand, 0, source, o0, 2.0, from, from + 1);
            assertEquals(Math.fma(2.0, source[o0 + from], base[from]), hand[from], 0.0);
        }
    }

    @Test
    void rangesAreChecked() {
        double[] t = new double[8];
        double[] s = new double[8];
        assertThrows(IndexOutOfBoundsException.class, () -> simd.addScaled(t, 4, s, 0, 1.0, 0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> simd.addScaled(t, 0, s, 4, 1.0, 0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> scalar.addScaled4(t, 0, s, 0, 0, 0, 6, 1, 1, 1, 1, 0, 3));
    }
}
