package dev.spruce.kernels;

import java.lang.foreign.ValueLayout;

/**
 * The consistency checks a sparse matrix read from a file must pass before a kernel walks it, since
 * a kernel trusts the bitmask to say how many values each row holds.
 */
public final class SparseMatrixChecks {

    private SparseMatrixChecks() {
    }

    /**
     * The first inconsistency of {@code m}, or null: row offsets that decrease, a row whose bitmask
     * population differs from its value count, bits set past the last column, or an {@code n:m}
     * group with more than {@code n} kept values.
     */
    public static String firstProblem(SparseMatrix m) {
        int stride = m.maskStride();
        long[] offsets = m.rowOffsets();
        for (int r = 0; r < m.rows(); r++) {
            if (offsets[r + 1] < offsets[r]) {
                return "row offsets decrease at row " + (r + 1) + " (" + offsets[r] + " then " + offsets[r + 1] + ")";
            }
            long rowByte = (long) r * stride;
            long population = 0;
            for (int b = 0; b < stride; b++) {
                population += Integer.bitCount(m.bitmask().get(ValueLayout.JAVA_BYTE, rowByte + b) & 0xFF);
            }
            if (population != offsets[r + 1] - offsets[r]) {
                return "row " + r + " has " + population + " bits set in its bitmask but " + (offsets[r + 1] - offsets[r])
                        + " values";
            }
            int tailBits = m.cols() & 7;
            if (tailBits != 0 && (m.bitmask().get(ValueLayout.JAVA_BYTE, rowByte + stride - 1) & 0xFF) >>> tailBits != 0) {
                return "row " + r + " has bitmask bits set past column " + (m.cols() - 1);
            }
            if (m.structure() instanceof SparseStructure.NOfM nm) {
                String group = overfullGroup(m, r, nm);
                if (group != null) {
                    return group;
                }
            }
        }
        return null;
    }

    private static String overfullGroup(SparseMatrix m, int r, SparseStructure.NOfM nm) {
        long rowByte = (long) r * m.maskStride();
        for (int g = 0; g + nm.m() <= m.cols(); g += nm.m()) {
            int kept = 0;
            for (int c = g; c < g + nm.m(); c++) {
                kept += m.bitmask().get(ValueLayout.JAVA_BYTE, rowByte + (c >>> 3)) >>> (c & 7) & 1;
            }
            if (kept > nm.n()) {
                return "row " + r + ", columns " + g + ".." + (g + nm.m() - 1) + " keep " + kept + " values, more than "
                        + nm.label() + " allows";
            }
        }
        return null;
    }
}
