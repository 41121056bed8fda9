package dev.spruce.model;

import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.Kernels;

/** A linear layer whose weight is a dense F32, F16 or BF16 matrix, typically memory-mapped. */
public final class DenseLinear extends WeightedLinear {

    private final DenseMatrix weight;

    /**
     * @param bias {@code outFeatures} floats, or null for none
     */
    public DenseLinear(String name, DenseMatrix weight, float[] bias, Kernels kernels) {
        super(name, weight, bias, kernels);
        this.weight = weight;
    }

    /**
     * A linear over F32 weights held on the heap, row-major {@code [rows][cols]} (pruned or otherwise
     * rewritten weights); the array is used as is, not copied.
     */
    public static DenseLinear ofFloats(String name, float[] weights, int rows, int cols, float[] bias, Kernels kernels) {
        if (weights.length != rows * cols) {
            throw new IllegalArgumentException(name + ": " + weights.length + " weights for [" + rows + ", " + cols + "]");
        }
        return new DenseLinear(name, new DenseMatrix(java.lang.foreign.MemorySegment.ofArray(weights),
                dev.spruce.kernels.WeightDtype.F32, rows, cols), bias, kernels);
    }

    /** The weights widened to a new row-major float array. */
    public float[] toFloats() {
        float[] out = new float[weight.rows() * weight.cols()];
        kernels.toFloats(weight.dtype(), weight.data(), 0, out, 0, out.length);
        return out;
    }

    /** The weight matrix. */
    public DenseMatrix weight() {
        return weight;
    }

    @Override
    void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (batch == 1) {
            kernels.matvec(weight, x, out, rowStart, rowEnd);
        } else {
            kernels.matmul(weight, x, batch, out, rowStart, rowEnd);
        }
    }
}
