package dev.spruce.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import dev.spruce.kernels.KernelProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AxpyKernelTest {

    private static final long SEED = 424242L;

    private static double[] random(Random random, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextGaussian();
        }
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 8, 15, 16, 31, 33, 207, 1021, 4097})
    void simdAgreesWithScalarBitForBit(int length) {
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
        double[] scalar = base.clone();
        double[] simd = base.clone();
        new ScalarAxpyKernel().axpy4(scalar, 0, source, o0, o1, o2, o3, c[0], c[1], c[2], c[3], from, to);
        new SimdAxpyKernel().axpy4(simd, 0, source, o0, o1, o2, o3, c[0], c[1], c[2], c[3], from, to);
        assertArrayEquals(scalar, simd, "axpy4, length " + length + ", seed " + (SEED + length));

        new ScalarAxpyKernel().axpy(scalar, 2, source, o2, c[1], from, to);
        new SimdAxpyKernel().axpy(simd, 2, source, o2, c[1], from, to);
        assertArrayEquals(scalar, simd, "axpy, length " + length + ", seed " + (SEED + length));
        for (int j = 0; j < from; j++) {
            assertEquals(base[j], simd[j], "untouched below the range");
        }
        for (int j = to + 2; j < base.length; j++) {
            assertEquals(base[j], simd[j], "untouched above the range");
        }
    }

    @Test
    void followsTheProjectsKernelChoice() {
        assertEquals(KernelProvider.get().name(), AxpyKernel.get().name());
    }
}
