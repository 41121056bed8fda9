package dev.spruce.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.spruce.kernels.TestSupport.dotTolerance;
import static dev.spruce.kernels.TestSupport.seed;
import static dev.spruce.kernels.TestSupport.sumAbsProducts;
import static dev.spruce.kernels.TestSupport.uniform;
import static dev.spruce.kernels.TestSupport.weights;
import static dev.spruce.kernels.TestSupport.where;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The SIMD sparse kernels against their scalar twin, and both against the dense kernel on the same
 * weights with zeros, for every dtype, odd widths (tails of every length), sparsities from none
 * to all, and values segments with and without room for a vector load past the last row.
 */
class SparseKernelTwinsTest {

    private static final double[] SPARSITIES = {0, 0.5, 0.7, 0.95, 1};
    private static final int ROWS = 6;

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels simd = KernelProvider.simd();

    static IntStream widths() {
        return IntStream.concat(TestSupport.sizes(), IntStream.of(64, 128, 130, 200));
    }

    @ParameterizedTest
    @MethodSource("widths")
    void matvecMatchesScalarAndDense(int cols) {
        for (WeightDtype dtype : WeightDtype.values()) {
            for (double sparsity : SPARSITIES) {
                for (boolean mapped : new boolean[] {false, true}) {
                    String kernel = "sparseMatvec" + dtype + "@" + sparsity + (mapped ? " mapped" : "");
                    long seed = seed(kernel, cols);
                    Random random = new Random(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        DenseMatrix dense = prunedMatrix(arena, random, dtype, cols, sparsity);
                        SparseMatrix sparse = SparsePacking.pack(dense, SparseStructure.UNSTRUCTURED);
                        if (mapped) {
                            sparse = withoutPadding(arena, sparse);
                        }
                        float[] x = uniform(random, cols);
                        float[] expected = new float[ROWS];
                        float[] reference = new float[ROWS];
                        float[] actual = new float[ROWS];
                        scalar.sparseMatvec(sparse, x, expected, 0, ROWS);
                        scalar.matvec(dense, x, reference, 0, ROWS);
                        simd.sparseMatvec(sparse, x, actual, 1, ROWS);
                        simd.sparseMatvec(sparse, x, actual, 0, 1);
                        float[] row = new float[cols];
                        for (int r = 0; r < ROWS; r++) {
                            scalar.sparseRowToFloats(sparse, r, row, 0);
                            double tolerance = dotTolerance(cols, sumAbsProducts(row, 0, x, 0, cols));
                            assertEquals(expected[r], actual[r], tolerance, where(kernel + " row " + r, cols, seed));
                            assertEquals(reference[r], expected[r], tolerance, where(kernel + " vs dense, row " + r, cols, seed));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("widths")
    void rowToFloatsIsTheDenseRowBitForBit(int cols) {
        for (WeightDtype dtype : WeightDtype.values()) {
            long seed = seed("sparseRowToFloats" + dtype, cols);
            Random random = new Random(seed);
            try (Arena arena = Arena.ofConfined()) {
                DenseMatrix dense = prunedMatrix(arena, random, dtype, cols, 0.6);
                SparseMatrix sparse = withoutPadding(arena, SparsePacking.pack(dense, SparseStructure.UNSTRUCTURED));
                float[] expected = new float[cols + 2];
                for (int r = 0; r < ROWS; r++) {
                    Arrays.fill(expected, 7f);
                    float[] fromScalar = expected.clone();
                    float[] fromSimd = expected.clone();
                    scalar.toFloats(dtype, dense.data(), dense.rowIndex(r), expected, 1, cols);
                    scalar.sparseRowToFloats(sparse, r, fromScalar, 1);
                    simd.sparseRowToFloats(sparse, r, fromSimd, 1);
                    assertArrayEquals(expected, fromScalar, where("sparseRowToFloats scalar row " + r, cols, seed));
                    assertArrayEquals(expected, fromSimd, where("sparseRowToFloats simd row " + r, cols, seed));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("widths")
    void matmulMatchesScalar(int cols) {
        for (WeightDtype dtype : WeightDtype.values()) {
            for (int batch = 1; batch <= 5; batch++) {
                String kernel = "sparseMatmul" + dtype + "x" + batch;
                long seed = seed(kernel, cols);
                Random random = new Random(seed);
                try (Arena arena = Arena.ofConfined()) {
                    DenseMatrix dense = prunedMatrix(arena, random, dtype, cols, 0.7);
                    SparseMatrix sparse = SparsePacking.pack(dense, SparseStructure.UNSTRUCTURED);
                    float[] x = uniform(random, batch * cols);
                    float[] expected = new float[batch * ROWS];
                    float[] actual = new float[batch * ROWS];
                    scalar.sparseMatmul(sparse, x, batch, expected, 0, ROWS);
                    simd.sparseMatmul(sparse, x, batch, actual, 1, ROWS);
                    simd.sparseMatmul(sparse, x, batch, actual, 0, 1);
                    float[] row = new float[cols];
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < ROWS; r++) {
                            scalar.sparseRowToFloats(sparse, r, row, 0);
                            double tolerance = dotTolerance(cols, sumAbsProducts(row, 0, x, b * cols, cols));
                            assertEquals(expected[b * ROWS + r], actual[b * ROWS + r], tolerance,
                                    where(kernel + " item " + b + " row " + r, cols, seed));
                        }
                    }
                }
            }
        }
    }

    /** A {@code [ROWS][cols]} matrix whose weights are zero with probability {@code sparsity}. */
    static DenseMatrix prunedMatrix(Arena arena, Random random, WeightDtype dtype, int cols, double sparsity) {
        float[] values = uniform(random, ROWS * cols);
        for (int i = 0; i < values.length; i++) {
            if (random.nextDouble() < sparsity) {
                values[i] = 0f;
            }
        }
        return new DenseMatrix(weights(arena, dtype, values), dtype, ROWS, cols);
    }

    /** The same matrix with its values in a native segment of exactly their size, as in a mapped file. */
    static SparseMatrix withoutPadding(Arena arena, SparseMatrix m) {
        long bytes = m.valueCount() * m.dtype().byteSize();
        MemorySegment values = arena.allocate(bytes + 1).asSlice(1);
        MemorySegment.copy(m.values(), 0, values, 0, bytes);
        return new SparseMatrix(values, m.dtype(), m.bitmask(), m.rowOffsets(), m.rows(), m.cols(), m.structure());
    }
}
