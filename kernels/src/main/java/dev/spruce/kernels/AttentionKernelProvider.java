package dev.spruce.kernels;

/**
 * The {@link AttentionKernels} matching {@link KernelProvider}'s choice: the SIMD implementation
 * when the dense kernels are SIMD (same width, same system properties), else the scalar twin. The
 * decision, its warnings and its validation stay in {@link KernelProvider}.
 */
public final class AttentionKernelProvider {

    private AttentionKernelProvider() {
    }

    /** The implementation matching {@link KernelProvider#get()}. */
    public static AttentionKernels get() {
        return KernelProvider.SIMD.equals(KernelProvider.get().name()) ? SimdAttentionKernels.INSTANCE
                : ScalarAttentionKernels.INSTANCE;
    }

    /** The scalar twin. */
    public static AttentionKernels scalar() {
        return ScalarAttentionKernels.INSTANCE;
    }

    /**
     * The SIMD implementation.
     *
     * @throws UnsupportedOperationException if the Vector API module is not loaded
     */
    public static AttentionKernels simd() {
        KernelProvider.simd();
        return SimdAttentionKernels.INSTANCE;
    }
}
