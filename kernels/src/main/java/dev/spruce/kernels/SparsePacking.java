package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;

import static dev.spruce.kernels.ScalarKernels.U16_LE;

/**
 * Converts dense weights (a pruned checkpoint's dense-with-zeros tensors) to the bitmask layout of
 * {@link SparseMatrix}, and finds which structure their zeros have. A weight is kept when it is not
 * zero ({@code +0} or {@code -0}); in an {@code n:m} matrix every group stores exactly {@code n}
 * values, as compressed-tensors' {@code sparse-24-bitmask} does, padding a group that has fewer
 * non-zeros with explicit zeros at its first free positions so row offsets stay implicit.
 */
public final class SparsePacking {

    private SparsePacking() {
    }

    /** Number of weights equal to zero. */
    public static long countZeros(DenseMatrix m) {
        long zeros = 0;
        for (int r = 0; r < m.rows(); r++) {
            long base = m.rowIndex(r);
            for (int c = 0; c < m.cols(); c++) {
                if (isZero(m, base + c)) {
                    zeros++;
                }
            }
        }
        return zeros;
    }

    /**
     * The tightest of 2:4 and 4:8 that every aligned group along the rows satisfies (at most that
     * many non-zeros), else unstructured. Widths that the group does not divide are unstructured.
     */
    public static SparseStructure detect(DenseMatrix m) {
        for (SparseStructure.NOfM s : new SparseStructure.NOfM[] {new SparseStructure.NOfM(2, 4),
                new SparseStructure.NOfM(4, 8)}) {
            if (satisfies(m, s)) {
                return s;
            }
        }
        return SparseStructure.UNSTRUCTURED;
    }

    /** Whether every aligned group of {@code s.m()} columns holds at most {@code s.n()} non-zeros. */
    public static boolean satisfies(DenseMatrix m, SparseStructure.NOfM s) {
        if (m.cols() % s.m() != 0) {
            return false;
        }
        for (int r = 0; r < m.rows(); r++) {
            long base = m.rowIndex(r);
            for (int g = 0; g < m.cols(); g += s.m()) {
                int kept = 0;
                for (int j = 0; j < s.m(); j++) {
                    if (!isZero(m, base + g + j)) {
                        kept++;
                    }
                }
                if (kept > s.n()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Packs {@code m} into heap arrays (values in {@code m}'s dtype, copied bit for bit).
     *
     * @throws IllegalArgumentException if {@code structure} is n:m and a group has more than n non-zeros
     *                                  or the width is not a multiple of m
     */
    public static SparseMatrix pack(DenseMatrix m, SparseStructure structure) {
        int rows = m.rows();
        int cols = m.cols();
        int stride = SparseMatrix.maskStride(cols);
        byte[] mask = new byte[Math.multiplyExact(rows, stride)];
        long[] offsets = new long[rows + 1];
        if (structure instanceof SparseStructure.NOfM nm) {
            if (cols % nm.m() != 0) {
                throw new IllegalArgumentException("width " + cols + " is not a multiple of " + nm.m() + " for " + nm.label());
            }
            markNOfM(m, nm, mask, stride);
        } else {
            markNonZeros(m, mask, stride);
        }
        for (int r = 0; r < rows; r++) {
            int count = 0;
            for (int b = 0; b < stride; b++) {
                count += Integer.bitCount(mask[r * stride + b] & 0xFF);
            }
            offsets[r + 1] = offsets[r] + count;
        }
        MemorySegment values = allocate(m.dtype(), offsets[rows]);
        int width = m.dtype().byteSize();
        long v = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if ((mask[r * stride + (c >>> 3)] >>> (c & 7) & 1) != 0) {
                    MemorySegment.copy(m.data(), (m.rowIndex(r) + c) * width, values, v++ * width, width);
                }
            }
        }
        MemorySegment bitmask = WeightMemory.allocate(mask.length);
        MemorySegment.copy(MemorySegment.ofArray(mask), 0, bitmask, 0, mask.length);
        return new SparseMatrix(values, m.dtype(), bitmask, offsets, rows, cols, structure);
    }

    private static void markNonZeros(DenseMatrix m, byte[] mask, int stride) {
        for (int r = 0; r < m.rows(); r++) {
            long base = m.rowIndex(r);
            for (int c = 0; c < m.cols(); c++) {
                if (!isZero(m, base + c)) {
                    mask[r * stride + (c >>> 3)] |= (byte) (1 << (c & 7));
                }
            }
        }
    }

    /** Marks each group's non-zeros, then its first zeros until the group holds exactly n. */
    private static void markNOfM(DenseMatrix m, SparseStructure.NOfM nm, byte[] mask, int stride) {
        for (int r = 0; r < m.rows(); r++) {
            long base = m.rowIndex(r);
            for (int g = 0; g < m.cols(); g += nm.m()) {
                int kept = 0;
                for (int j = 0; j < nm.m(); j++) {
                    if (!isZero(m, base + g + j)) {
                        set(mask, r * stride, g + j);
                        kept++;
                    }
                }
                if (kept > nm.n()) {
                    throw new IllegalArgumentException("row " + r + ", columns " + g + ".." + (g + nm.m() - 1)
                            + " hold " + kept + " non-zeros, more than " + nm.label() + " allows");
                }
                for (int j = 0; j < nm.m() && kept < nm.n(); j++) {
                    if (isZero(m, base + g + j)) {
                        set(mask, r * stride, g + j);
                        kept++;
                    }
                }
            }
        }
    }

    private static void set(byte[] mask, int rowByte, int c) {
        mask[rowByte + (c >>> 3)] |= (byte) (1 << (c & 7));
    }

    private static MemorySegment allocate(WeightDtype dtype, long count) {
        // Padding so vector loads past the last row stay inside the segment (the kernels fall back to
        // scalar code near the end of segments without it, as a mapped file has none).
        return WeightMemory.allocate((count + 16) * dtype.byteSize());
    }

    private static boolean isZero(DenseMatrix m, long index) {
        MemorySegment w = m.data();
        return switch (m.dtype()) {
            case F32 -> (w.getAtIndex(ScalarKernels.F32_LE, index) == 0f);
            case BF16, F16 -> (w.getAtIndex(U16_LE, index) & 0x7FFF) == 0;
        };
    }

}
