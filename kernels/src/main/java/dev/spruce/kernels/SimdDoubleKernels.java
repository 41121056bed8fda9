package dev.spruce.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The double-precision SIMD kernels (calibration statistics, SparseGPT updates). Element-wise
 * updates, not reductions, so no extra accumulators: one vector body, then a scalar tail that is
 * the scalar twin's arithmetic.
 */
final class SimdDoubleKernels {

    private static final VectorSpecies<Double> D = SimdSpecies.DOUBLE;

    private SimdDoubleKernels() {
    }

    static void addScaled(double[] target, int t, double[] source, int o, double c, int from, int to) {
        int j = from;
        if (to - from >= D.length()) {
            DoubleVector v = DoubleVector.broadcast(D, c);
            for (int upper = from + D.loopBound(to - from); j < upper; j += D.length()) {
                DoubleVector.fromArray(D, source, o + j).fma(v, DoubleVector.fromArray(D, target, t + j))
                        .intoArray(target, t + j);
            }
        }
        for (; j < to; j++) {
            target[t + j] = Math.fma(c, source[o + j], target[t + j]);
        }
    }

    static void addScaled4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                           double c0, double c1, double c2, double c3, int from, int to) {
        int j = from;
        if (to - from >= D.length()) {
            DoubleVector v0 = DoubleVector.broadcast(D, c0);
            DoubleVector v1 = DoubleVector.broadcast(D, c1);
            DoubleVector v2 = DoubleVector.broadcast(D, c2);
            DoubleVector v3 = DoubleVector.broadcast(D, c3);
            for (int upper = from + D.loopBound(to - from); j < upper; j += D.length()) {
                DoubleVector acc = DoubleVector.fromArray(D, target, t + j);
                acc = DoubleVector.fromArray(D, source, o0 + j).fma(v0, acc);
                acc = DoubleVector.fromArray(D, source, o1 + j).fma(v1, acc);
                acc = DoubleVector.fromArray(D, source, o2 + j).fma(v2, acc);
                acc = DoubleVector.fromArray(D, source, o3 + j).fma(v3, acc);
                acc.intoArray(target, t + j);
            }
        }
        for (; j < to; j++) {
            target[t + j] = ScalarKernels.addScaled4At(target, t, source, o0, o1, o2, o3, c0, c1, c2, c3, j);
        }
    }
}
