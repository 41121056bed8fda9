package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A sparse {@code [rows][cols]} weight matrix in the layout of compressed-tensors' bitmask formats:
 * the kept values packed row after row, a bitmask saying where they sit, and where each row's values
 * start. A memory-mapped {@code sparse-bitmask} or {@code sparse-24-bitmask} tensor is used as is.
 *
 * <ul>
 *   <li>{@code values}: row {@code r}'s kept weights, in column order, are elements
 *       {@code rowOffsets[r] .. rowOffsets[r + 1]} (little-endian {@code dtype}).
 *   <li>{@code bitmask}: {@link #maskStride()} bytes per row; column {@code c} of row {@code r} is
 *       kept when bit {@code c % 8} (least significant first) of byte {@code r * maskStride + c / 8}
 *       is set. Bits past {@code cols} are zero.
 *   <li>{@code rowOffsets}: {@code rows + 1} non-decreasing element indices, the last being the
 *       number of values.
 * </ul>
 * The constructor checks sizes only; that each row's bit count equals its value count is the
 * loader's job ({@link SparseMatrixChecks}), done once when a file is opened.
 *
 * @param structure what the kept positions promise (unstructured, or n:m)
 */
public record SparseMatrix(MemorySegment values, WeightDtype dtype, MemorySegment bitmask, long[] rowOffsets,
                           int rows, int cols, SparseStructure structure) implements WeightMatrix {

    public SparseMatrix {
        if (values == null || dtype == null || bitmask == null || rowOffsets == null || structure == null) {
            throw new IllegalArgumentException("values, dtype, bitmask, rowOffsets and structure are required");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("shape must be positive, got [" + rows + ", " + cols + "]");
        }
        if (rowOffsets.length != rows + 1 || rowOffsets[0] != 0) {
            throw new IllegalArgumentException(rows + " rows need " + (rows + 1) + " row offsets starting at 0");
        }
        long needed = rowOffsets[rows] * dtype.byteSize();
        if (values.byteSize() < needed) {
            throw new IllegalArgumentException(rowOffsets[rows] + " " + dtype + " values need " + needed
                    + " bytes but the segment holds " + values.byteSize());
        }
        if (bitmask.byteSize() < (long) rows * maskStride(cols)) {
            throw new IllegalArgumentException("a bitmask for [" + rows + ", " + cols + "] needs "
                    + (long) rows * maskStride(cols) + " bytes but the segment holds " + bitmask.byteSize());
        }
    }

    /** Bitmask bytes per row: {@code ceil(cols / 8)}. */
    public static int maskStride(int cols) {
        return (cols + 7) >>> 3;
    }

    /** Bitmask bytes per row. */
    public int maskStride() {
        return maskStride(cols);
    }

    /** Number of kept values. */
    public long valueCount() {
        return rowOffsets[rows];
    }

    /** Fraction of the weights that are not stored. */
    public double sparsity() {
        return 1 - (double) valueCount() / ((double) rows * cols);
    }

    @Override
    public long storedBytes() {
        return valueCount() * dtype.byteSize() + (long) rows * maskStride();
    }
}
