package dev.spruce.compress.prune;

import dev.spruce.kernels.KernelProvider;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link AxpyKernel} on the Vector API, at the width the project's {@link KernelProvider} uses for
 * floats (so {@code -Dspruce.kernels.vectorBits} covers it too). This is an element-wise update,
 * not a reduction, so it needs no extra accumulators: one vector body, then a scalar tail that is
 * the scalar twin's loop. {@link #axpy4} folds four sources into each load and store of the target,
 * which keeps the FMA units rather than the store port busy.
 */
final class SimdAxpyKernel implements AxpyKernel {

    /** A constant, so C2 compiles the Vector API calls to instructions. */
    private static final VectorSpecies<Double> SPECIES = switch (KernelProvider.get().vectorBits()) {
        case 128 -> DoubleVector.SPECIES_128;
        case 512 -> DoubleVector.SPECIES_512;
        default -> DoubleVector.SPECIES_256;
    };

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public void axpy4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                      double c0, double c1, double c2, double c3, int from, int to) {
        int lanes = SPECIES.length();
        int j = from;
        if (to - from >= lanes) {
            DoubleVector v0 = DoubleVector.broadcast(SPECIES, c0);
            DoubleVector v1 = DoubleVector.broadcast(SPECIES, c1);
            DoubleVector v2 = DoubleVector.broadcast(SPECIES, c2);
            DoubleVector v3 = DoubleVector.broadcast(SPECIES, c3);
            for (int upper = from + SPECIES.loopBound(to - from); j < upper; j += lanes) {
                DoubleVector acc = DoubleVector.fromArray(SPECIES, target, t + j);
                acc = DoubleVector.fromArray(SPECIES, source, o0 + j).fma(v0, acc);
                acc = DoubleVector.fromArray(SPECIES, source, o1 + j).fma(v1, acc);
                acc = DoubleVector.fromArray(SPECIES, source, o2 + j).fma(v2, acc);
                acc = DoubleVector.fromArray(SPECIES, source, o3 + j).fma(v3, acc);
                acc.intoArray(target, t + j);
            }
        }
        for (; j < to; j++) {
            target[t + j] = Math.fma(c3, source[o3 + j], Math.fma(c2, source[o2 + j],
                    Math.fma(c1, source[o1 + j], Math.fma(c0, source[o0 + j], target[t + j]))));
        }
    }

    @Override
    public void axpy(double[] target, int t, double[] source, int o, double c, int from, int to) {
        int lanes = SPECIES.length();
        int j = from;
        if (to - from >= lanes) {
            DoubleVector v = DoubleVector.broadcast(SPECIES, c);
            for (int upper = from + SPECIES.loopBound(to - from); j < upper; j += lanes) {
                DoubleVector.fromArray(SPECIES, source, o + j).fma(v, DoubleVector.fromArray(SPECIES, target, t + j))
                        .intoArray(target, t + j);
            }
        }
        for (; j < to; j++) {
            target[t + j] = Math.fma(c, source[o + j], target[t + j]);
        }
    }
}
