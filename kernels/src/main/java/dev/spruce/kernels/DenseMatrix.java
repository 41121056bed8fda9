package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A row-major {@code [rows][cols]} weight matrix stored densely in a segment, as a linear layer's
 * {@code weight} tensor is in a safetensors file ({@code [out_features][in_features]}).
 *
 * <p>The segment is a view: whoever mapped the file owns it and closes it. Element {@code (r, c)}
 * lives at byte {@code (r * cols + c) * dtype.byteSize()}, little-endian, with no alignment
 * requirement.
 *
 * @param data the tensor's bytes, at least {@code rows * cols * dtype.byteSize()} long
 * @param dtype the element type
 * @param rows output features
 * @param cols input features
 */
public record DenseMatrix(MemorySegment data, WeightDtype dtype, int rows, int cols) implements WeightMatrix {

    /** Validates the shape against the segment so a kernel never reads past the tensor. */
    public DenseMatrix {
        if (data == null || dtype == null) {
            throw new IllegalArgumentException("data and dtype are required");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("shape must be positive, got [" + rows + ", " + cols + "]");
        }
        long needed = (long) rows * cols * dtype.byteSize();
        if (data.byteSize() < needed) {
            throw new IllegalArgumentException("a " + dtype + " matrix [" + rows + ", " + cols + "] needs "
                    + needed + " bytes but the segment holds " + data.byteSize());
        }
    }

    @Override
    public long storedBytes() {
        return (long) rows * cols * dtype.byteSize();
    }

    /** Index of the first element of row {@code row}, in elements (not bytes). */
    public long rowIndex(int row) {
        return (long) row * cols;
    }
}
