package dev.spruce.kernels;

/**
 * A {@code [rows][cols]} weight matrix in one of the formats the kernels multiply: dense, or
 * sparse with a bitmask. Linear layers hold one and pick the kernel by its format.
 */
public sealed interface WeightMatrix permits DenseMatrix, SparseMatrix {

    /** Output features. */
    int rows();

    /** Input features. */
    int cols();

    /** The element type of the stored values. */
    WeightDtype dtype();

    /** Bytes one full matrix × vector reads (values, and for sparse formats their bitmask). */
    long storedBytes();
}
