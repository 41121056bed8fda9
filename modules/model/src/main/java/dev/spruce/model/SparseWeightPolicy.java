package dev.spruce.model;

/**
 * Which decoder-block linears run on the sparse kernels when a checkpoint loads. Weights a
 * checkpoint stores packed ({@code spruce pack}) always do; this decides for dense tensors, such
 * as the dense-with-zeros output of {@code spruce prune}, which are packed in memory at load.
 * Embeddings, the head and SliceGPT shortcuts always stay dense.
 *
 * @param mode        {@code AUTO}: pack a linear whose fraction of zeros is at least
 *                    {@code minSparsity}; {@code OFF}: keep dense tensors dense; {@code ON}: pack
 *                    every block linear, even a dense one (for tests and measurements)
 * @param minSparsity the {@code AUTO} threshold, in [0, 1]
 */
public record SparseWeightPolicy(Mode mode, double minSparsity) {

    /**
     * The {@code AUTO} threshold: half the weights zero, where the packed form first reads clearly
     * fewer bytes than the dense one (values + bitmask: 0.56 of dense BF16 at 50 %).
     */
    public static final double DEFAULT_MIN_SPARSITY = 0.5;

    /** Pack what is at least 50 % zeros: less memory, but on AVX2 decode is slower today (issue 6 note). */
    public static final SparseWeightPolicy AUTO = new SparseWeightPolicy(Mode.AUTO, DEFAULT_MIN_SPARSITY);
    /**
     * Keep dense tensors dense: the default, because the sparse kernels do not yet beat the dense
     * BF16 ones on AVX2 (measured about 3× slower decode on TinyLlama shapes), and what pruning and
     * slicing need (they rewrite dense weights).
     */
    public static final SparseWeightPolicy OFF = new SparseWeightPolicy(Mode.OFF, DEFAULT_MIN_SPARSITY);

    public enum Mode { AUTO, OFF, ON }

    public SparseWeightPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        if (!(minSparsity >= 0 && minSparsity <= 1)) {
            throw new IllegalArgumentException("minimum sparsity must be in [0, 1], got " + minSparsity);
        }
    }
}
