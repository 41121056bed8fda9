package dev.spruce.compress.prune;

/** The plain-Java twin of {@link SimdAxpyKernel}: the same fused multiply-adds, one element at a time. */
final class ScalarAxpyKernel implements AxpyKernel {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void axpy4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                      double c0, double c1, double c2, double c3, int from, int to) {
        for (int j = from; j < to; j++) {
            target[t + j] = Math.fma(c3, source[o3 + j], Math.fma(c2, source[o2 + j],
                    Math.fma(c1, source[o1 + j], Math.fma(c0, source[o0 + j], target[t + j]))));
        }
    }

    @Override
    public void axpy(double[] target, int t, double[] source, int o, double c, int from, int to) {
        for (int j = from; j < to; j++) {
            target[t + j] = Math.fma(c, source[o + j], target[t + j]);
        }
    }
}
