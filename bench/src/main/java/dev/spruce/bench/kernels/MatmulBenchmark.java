package dev.spruce.bench.kernels;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill matrix × small batch ({@code Kernels.matmul}), scalar twin against SIMD, against
 * {@code batch} separate matvec calls as the baseline the tiling must beat.
 *
 * <p>From the average time {@code t} (µs/op), the {@code shape} {@code R x C}, the {@code batch}
 * {@code B} and {@code b} bytes per weight:
 * <pre>
 *   GFLOP/s                  = 2 * R * C * B / (t * 1000)
 *   weight GB/s (read once)  = R * C * b / (t * 1000)
 *   per-token speed-up       = t(matvecLoop) / t(matmul)
 * </pre>
 * Unlike decode this is compute-bound once {@code B} is a few tokens, so GFLOP/s is the figure to
 * compare with the core's FMA peak (2 FMA units × lanes × 2 flops × clock).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {

    @Param({"scalar", "simd"})
    public String impl;

    @Param({"BF16", "F16", "F32"})
    public WeightDtype dtype;

    @Param({"2048x5632", "2047x5633"})
    public String shape;

    /** Even, odd (a leftover batch item) and a typical prefill chunk. */
    @Param({"4", "7", "16"})
    public int batch;

    private Arena arena;
    private Kernels kernels;
    private DenseMatrix matrix;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        int[] rc = BenchSupport.shape(shape);
        kernels = BenchSupport.kernels(impl);
        arena = Arena.ofShared();
        matrix = new DenseMatrix(BenchSupport.weights(arena, dtype, (long) rc[0] * rc[1], 42), dtype, rc[0], rc[1]);
        x = BenchSupport.uniform(new Random(7), batch * rc[1]);
        out = new float[batch * rc[0]];
        float[] expected = new float[batch * rc[0]];
        KernelProvider.scalar().matmul(matrix, x, batch, expected, 0, rc[0]);
        kernels.matmul(matrix, x, batch, out, 0, rc[0]);
        BenchSupport.check("matmul " + impl + " " + dtype + " " + shape + " batch " + batch, expected, out, rc[1]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        kernels.matmul(matrix, x, batch, out, 0, matrix.rows());
        return out;
    }

    /** The same products as {@code batch} decode steps, each streaming the whole matrix. */
    @Benchmark
    public float[] matvecLoop() {
        int rows = matrix.rows();
        int cols = matrix.cols();
        float[] xb = new float[cols];
        float[] ob = new float[rows];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, b * cols, xb, 0, cols);
            kernels.matvec(matrix, xb, ob, 0, rows);
            System.arraycopy(ob, 0, out, b * rows, rows);
        }
        return out;
    }
}
