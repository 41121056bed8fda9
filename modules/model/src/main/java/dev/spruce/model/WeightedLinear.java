package dev.spruce.model;

import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightMatrix;

/**
 * What every {@link Linear} over a {@link WeightMatrix} shares: its name, optional bias, kernels,
 * and shape; subclasses supply the kernel call for their format.
 */
abstract sealed class WeightedLinear implements Linear permits DenseLinear, SparseLinear {

    private final String name;
    private final WeightMatrix matrix;
    private final float[] bias;
    final Kernels kernels;

    /**
     * @param bias {@code outFeatures} floats, or null for none
     */
    WeightedLinear(String name, WeightMatrix matrix, float[] bias, Kernels kernels) {
        if (bias != null && bias.length != matrix.rows()) {
            throw new IllegalArgumentException(name + ": bias has " + bias.length + " values for " + matrix.rows() + " rows");
        }
        this.name = name;
        this.matrix = matrix;
        this.bias = bias;
        this.kernels = kernels;
    }

    /** The bias, or null. */
    public float[] bias() {
        return bias;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int inFeatures() {
        return matrix.cols();
    }

    @Override
    public int outFeatures() {
        return matrix.rows();
    }

    @Override
    public long weightBytes() {
        return matrix.storedBytes();
    }

    @Override
    public final void apply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        multiply(x, batch, out, rowStart, rowEnd);
        Linear.addBias(bias, out, matrix.rows(), batch, rowStart, rowEnd);
    }

    /** {@link #apply} without the bias. */
    abstract void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd);
}
