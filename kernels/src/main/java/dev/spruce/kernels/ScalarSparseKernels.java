package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The scalar twin of the sparse kernels: walks each row's bitmask bit by bit, in column order,
 * multiplying the next packed value by the activation of that column with {@link Math#fma}.
 */
final class ScalarSparseKernels {

    private ScalarSparseKernels() {
    }

    /** {@code sum over kept c of w[row, c] * x[xOffset + c]}, in column order. */
    static float rowDot(SparseMatrix m, int row, float[] x, int xOffset) {
        MemorySegment mask = m.bitmask();
        long rowByte = (long) row * m.maskStride();
        long p = m.rowOffsets()[row];
        float sum = 0f;
        for (int b = 0; b < m.maskStride(); b++) {
            int bits = mask.get(ValueLayout.JAVA_BYTE, rowByte + b) & 0xFF;
            while (bits != 0) {
                int c = (b << 3) + Integer.numberOfTrailingZeros(bits);
                sum = Math.fma(ScalarKernels.weightAt(m.dtype(), m.values(), p++), x[xOffset + c], sum);
                bits &= bits - 1;
            }
        }
        return sum;
    }

    /** Row {@code row} as {@code cols} floats at {@code out[outOffset..]}, zeros where nothing is kept. */
    static void rowToFloats(SparseMatrix m, int row, float[] out, int outOffset) {
        Arrays.fill(out, outOffset, outOffset + m.cols(), 0f);
        MemorySegment mask = m.bitmask();
        long rowByte = (long) row * m.maskStride();
        long p = m.rowOffsets()[row];
        for (int b = 0; b < m.maskStride(); b++) {
            int bits = mask.get(ValueLayout.JAVA_BYTE, rowByte + b) & 0xFF;
            while (bits != 0) {
                int c = (b << 3) + Integer.numberOfTrailingZeros(bits);
                out[outOffset + c] = ScalarKernels.weightAt(m.dtype(), m.values(), p++);
                bits &= bits - 1;
            }
        }
    }

    static void matvec(SparseMatrix m, float[] x, float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(m, r, x, 0);
        }
    }

    static void matmul(SparseMatrix m, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        for (int b = 0; b < batch; b++) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[b * m.rows() + r] = rowDot(m, r, x, b * m.cols());
            }
        }
    }
}
