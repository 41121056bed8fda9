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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decode-time matrix × vector ({@code Kernels.matvec}) and a single-row dot product, per weight
 * dtype, scalar twin against SIMD, single-threaded over all rows.
 *
 * <p>Deriving rates from the reported average time {@code t} (µs/op) and the {@code shape}
 * {@code R x C} parameter, with {@code b} bytes per weight (4 for F32, 2 for BF16/F16):
 * <pre>
 *   weight bytes read  = R * C * b          (x and out, 4C + 4R bytes, stay in cache)
 *   GB/s               = R * C * b / (t * 1000)
 *   GFLOP/s            = 2 * R * C / (t * 1000)
 * </pre>
 * Decode is bound by memory bandwidth, so compare GB/s with the machine's read bandwidth; a
 * matrix smaller than the last-level cache (2048 × 5632 BF16 is 23 MB) measures cache bandwidth
 * instead, which is why a 32000-row (lm_head-sized) shape is included. {@code dot} reads one row
 * of {@code C} weights: same formulas with {@code R = 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED"})
public class MatvecBenchmark {

    @Param({"scalar", "simd"})
    public String impl;

    @Param({"BF16", "F16", "F32"})
    public WeightDtype dtype;

    /** TinyLlama's down_proj (2048 × 5632) and up_proj, an odd shape for the tails, and lm_head. */
    @Param({"2048x5632", "5632x2048", "2047x5633", "32000x2048"})
    public String shape;

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
        x = BenchSupport.uniform(new Random(7), rc[1]);
        out = new float[rc[0]];
        float[] expected = new float[rc[0]];
        KernelProvider.scalar().matvec(matrix, x, expected, 0, rc[0]);
        kernels.matvec(matrix, x, out, 0, rc[0]);
        BenchSupport.check("matvec " + impl + " " + dtype + " " + shape, expected, out, rc[1]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matvec() {
        kernels.matvec(matrix, x, out, 0, matrix.rows());
        return out;
    }

    @Benchmark
    public void dot(Blackhole bh) {
        bh.consume(kernels.dot(dtype, matrix.data(), 0, x, 0, matrix.cols()));
    }
}
