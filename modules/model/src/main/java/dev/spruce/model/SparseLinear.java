package dev.spruce.model;

import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.SparseMatrix;

/**
 * A linear layer whose weight is a {@link SparseMatrix}: packed at load time from a pruned
 * checkpoint's zeros, or mapped from a checkpoint written by {@code spruce pack}.
 */
public final class SparseLinear implements Linear {

    private final String name;
    private final SparseMatrix weight;
    private final float[] bias;
    private final Kernels kernels;

    /**
     * @param bias {@code outFeatures} floats, or null for none
     */
    public SparseLinear(String name, SparseMatrix weight, float[] bias, Kernels kernels) {
        if (bias != null && bias.length != weight.rows()) {
            throw new IllegalArgumentException(name + ": bias has " + bias.length + " values for " + weight.rows() + " rows");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.kernels = kernels;
    }

    /** The weight matrix. */
    public SparseMatrix weight() {
        return weight;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int inFeatures() {
        return weight.cols();
    }

    @Override
    public int outFeatures() {
        return weight.rows();
    }

    @Override
    public long weightBytes() {
        return weight.storedBytes();
    }

    @Override
    public void apply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (batch == 1) {
            kernels.sparseMatvec(weight, x, out, rowStart, rowEnd);
        } else {
            kernels.sparseMatmul(weight, x, batch, out, rowStart, rowEnd);
        }
        Linear.addBias(bias, out, weight.rows(), batch, rowStart, rowEnd);
    }
}
