package dev.spruce.compress.prune;

import dev.spruce.kernels.KernelProvider;

/**
 * The multiply-add at the heart of the Hessian accumulation and of SparseGPT's lazy update:
 * {@code target[t + j] += Σ_k c_k · source[o_k + j]} over a range of {@code j}. Two twins compute
 * it with the same fused multiply-adds in the same order per element, so they agree bit for bit:
 * {@code SimdAxpyKernel} on the Vector API and {@code ScalarAxpyKernel}. The SIMD one is used
 * exactly when the project's {@link KernelProvider} chose SIMD (same property, same width, same
 * fallback when {@code jdk.incubator.vector} is absent), because C2 does not vectorise this loop.
 */
sealed interface AxpyKernel permits ScalarAxpyKernel, SimdAxpyKernel {

    /** The twin matching {@link KernelProvider#get()}, chosen once. */
    static AxpyKernel get() {
        return Selected.INSTANCE;
    }

    /** {@code "simd"} or {@code "scalar"}. */
    String name();

    /**
     * For {@code j} in {@code [from, to)}: {@code target[t + j] = fma(c3, s[o3 + j], fma(c2, s[o2 + j],
     * fma(c1, s[o1 + j], fma(c0, s[o0 + j], target[t + j]))))}, with {@code s = source}.
     */
    void axpy4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
               double c0, double c1, double c2, double c3, int from, int to);

    /** For {@code j} in {@code [from, to)}: {@code target[t + j] = fma(c, source[o + j], target[t + j])}. */
    void axpy(double[] target, int t, double[] source, int o, double c, int from, int to);

    /** Holder: loads the SIMD twin (and the incubator module's classes) only when it is chosen. */
    final class Selected {
        static final AxpyKernel INSTANCE = "simd".equals(KernelProvider.get().name())
                ? new SimdAxpyKernel() : new ScalarAxpyKernel();

        private Selected() {
        }
    }
}
