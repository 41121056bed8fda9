package dev.spruce.model;

import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.SparseMatrix;

/**
 * A linear layer whose weight is a {@link SparseMatrix}: packed at load time from a pruned
 * checkpoint's zeros, or mapped from a checkpoint written by {@code spruce pack}.
 */
public final class SparseLinear extends WeightedLinear {

    private final SparseMatrix weight;

    /**
     * @param bias {@code outFeatures} floats, or null for none
     */
    public SparseLinear(String name, SparseMatrix weight, float[] bias, Kernels kernels) {
        super(name, weight, bias, kernels);
        this.weight = weight;
    }

    /** The weight matrix. */
    public SparseMatrix weight() {
        return weight;
    }

    @Override
    void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (batch == 1) {
            kernels.sparseMatvec(weight, x, out, rowStart, rowEnd);
        } else {
            kernels.sparseMatmul(weight, x, batch, out, rowStart, rowEnd);
        }
    }
}
