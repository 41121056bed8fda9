package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Packing checked by hand on matrices small enough to write out, and the loader's consistency checks. */
class SparsePackingTest {

    private static DenseMatrix f32(int rows, int cols, float... values) {
        return new DenseMatrix(MemorySegment.ofArray(values), WeightDtype.F32, rows, cols);
    }

    private static float[] values(SparseMatrix m) {
        float[] out = new float[(int) m.valueCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = m.values().getAtIndex(ScalarKernels.F32_LE, i);
        }
        return out;
    }

    private static int maskByte(SparseMatrix m, int index) {
        return m.bitmask().get(java.lang.foreign.ValueLayout.JAVA_BYTE, index) & 0xFF;
    }

    @Test
    void unstructuredKeepsTheNonZerosInColumnOrderWithAnLsbFirstMask() {
        // row 0: columns 1, 3 and 9 kept; row 1: nothing; row 2: column 0 and the last one (10)
        DenseMatrix dense = f32(3, 11,
                0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                4, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5);
        SparseMatrix m = SparsePacking.pack(dense, SparseStructure.UNSTRUCTURED);
        assertEquals(2, m.maskStride());
        assertArrayEquals(new long[] {0, 3, 3, 5}, m.rowOffsets());
        assertArrayEquals(new float[] {1, 2, 3, 4, -5}, values(m));
        assertEquals(0b0000_1010, maskByte(m, 0));
        assertEquals(0b0000_0010, maskByte(m, 1));
        assertEquals(0, maskByte(m, 2) | maskByte(m, 3));
        assertEquals(0b0000_0001, maskByte(m, 4));
        assertEquals(0b0000_0100, maskByte(m, 5));
        assertEquals(1 - 5.0 / 33, m.sparsity(), 1e-12);
        assertNull(SparseMatrixChecks.firstProblem(m));

        float[] x = {1, 10, 100, 1000, 0, 0, 0, 0, 0, 2, 3};
        float[] out = new float[3];
        for (Kernels k : TestSupport.implementations()) {
            k.sparseMatvec(m, x, out, 0, 3);
            assertArrayEquals(new float[] {10 + 2000 + 6, 0, 4 - 15}, out, k.name());
        }
    }

    @Test
    void twoFourStoresExactlyTwoValuesPerGroupPaddingWithZeros() {
        // group 0 keeps columns 1 and 2; group 1 has one non-zero (column 7), so column 4 is padded in
        DenseMatrix dense = f32(1, 8, 0, 3, 4, 0, 0, 0, 0, 5);
        assertEquals(SparseStructure.TWO_FOUR, SparsePacking.detect(dense));
        SparseMatrix m = SparsePacking.pack(dense, SparseStructure.TWO_FOUR);
        assertArrayEquals(new long[] {0, 4}, m.rowOffsets());
        assertArrayEquals(new float[] {3, 4, 0, 5}, values(m));
        assertEquals(0b1001_0110, maskByte(m, 0));
        assertNull(SparseMatrixChecks.firstProblem(m));
    }

    @Test
    void detectFindsTheTightestStructure() {
        assertEquals(new SparseStructure.NOfM(4, 8), SparsePacking.detect(f32(1, 8, 1, 1, 1, 0, 1, 0, 0, 0)));
        assertEquals(SparseStructure.UNSTRUCTURED, SparsePacking.detect(f32(1, 8, 1, 1, 1, 0, 1, 1, 0, 0)));
        assertEquals(SparseStructure.UNSTRUCTURED, SparsePacking.detect(f32(1, 6, 1, 0, 0, 0, 0, 0)));
    }

    @Test
    void packingTwoFourRefusesAnOverfullGroupOrABadWidth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparsePacking.pack(f32(1, 4, 1, 2, 3, 0), SparseStructure.TWO_FOUR));
        assertTrue(e.getMessage().contains("columns 0..3 hold 3 non-zeros"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SparsePacking.pack(f32(1, 6, 1, 0, 0, 0, 0, 0), SparseStructure.TWO_FOUR));
        assertTrue(e.getMessage().contains("not a multiple of 4"), e.getMessage());
    }

    @Test
    void checksFindAPopulationThatDisagreesWithTheRowOffsets() {
        SparseMatrix m = SparsePacking.pack(f32(2, 8, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0),
                SparseStructure.UNSTRUCTURED);
        SparseMatrix shifted = new SparseMatrix(m.values(), m.dtype(), m.bitmask(), new long[] {0, 1, 3}, 2, 8,
                m.structure());
        assertEquals("row 0 has 2 bits set in its bitmask but 1 values", SparseMatrixChecks.firstProblem(shifted));
    }

    @Test
    void checksFindAnOverfullTwoFourGroupAndBitsPastTheLastColumn() {
        byte[] mask = {(byte) 0b0000_0111};
        SparseMatrix overfull = new SparseMatrix(MemorySegment.ofArray(new float[3]), WeightDtype.F32,
                MemorySegment.ofArray(mask), new long[] {0, 3}, 1, 8, SparseStructure.TWO_FOUR);
        assertEquals("row 0, columns 0..3 keep 3 values, more than 2:4 allows", SparseMatrixChecks.firstProblem(overfull));
        SparseMatrix past = new SparseMatrix(MemorySegment.ofArray(new float[3]), WeightDtype.F32,
                MemorySegment.ofArray(mask), new long[] {0, 3}, 1, 2, SparseStructure.UNSTRUCTURED);
        assertEquals("row 0 has bitmask bits set past column 1", SparseMatrixChecks.firstProblem(past));
    }
}
