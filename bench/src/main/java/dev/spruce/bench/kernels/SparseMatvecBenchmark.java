package dev.spruce.bench.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.SparseMatrix;
import dev.spruce.kernels.SparsePacking;
import dev.spruce.kernels.SparseStructure;
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
 * Decode-time matrix × vector, dense against the sparse bitmask formats, BF16 values, SIMD,
 * single-threaded, on Llama-2-7B and TinyLlama shapes. The pruned weights are the dense matrix's
 * own values with a seeded random mask of the given structure; {@code dense} runs the dense kernel
 * over the same matrix with no zeros.
 *
 * <p>Rates from the average time {@code t} (µs/op): bytes read = {@code storedBytes} printed at
 * setup (values + bitmask; dense: {@code 2RC}), effective GB/s = dense bytes / t, i.e. how fast the
 * dense matrix would have to stream to match; speedup = t(dense) / t(format) for the same shape.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED"})
public class SparseMatvecBenchmark {

    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code dense}, {@code n:m}, or an unstructured sparsity such as {@code 0.7}. */
    @Param({"dense", "2:4", "4:8", "0.5", "0.6", "0.7", "0.8", "0.9"})
    public String format;

    /** Llama-2-7B q/o (4096²), up/gate (11008 × 4096), down (4096 × 11008); TinyLlama up/gate and down. */
    @Param({"4096x4096", "11008x4096", "4096x11008", "5632x2048", "2048x5632"})
    public String shape;

    private Arena arena;
    private Kernels kernels;
    private DenseMatrix dense;
    private SparseMatrix sparse;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        int[] rc = BenchSupport.shape(shape);
        kernels = KernelProvider.simd();
        arena = Arena.ofShared();
        MemorySegment weights = BenchSupport.weights(arena, WeightDtype.BF16, (long) rc[0] * rc[1], 42);
        dense = new DenseMatrix(weights, WeightDtype.BF16, rc[0], rc[1]);
        x = BenchSupport.uniform(new Random(7), rc[1]);
        out = new float[rc[0]];
        if (!format.equals("dense")) {
            SparseStructure structure = zeroOut(weights, rc[0], rc[1], format, new Random(11));
            sparse = SparsePacking.pack(dense, structure);
            float[] expected = new float[rc[0]];
            KernelProvider.scalar().matvec(dense, x, expected, 0, rc[0]);
            kernels.sparseMatvec(sparse, x, out, 0, rc[0]);
            BenchSupport.check("sparseMatvec " + format + " " + shape, expected, out, rc[1]);
        }
        long bytes = sparse == null ? dense.storedBytes() : sparse.storedBytes();
        System.out.printf("%n%s %s: %d bytes read per product (%.3f of dense)%n", format, shape, bytes,
                (double) bytes / dense.storedBytes());
    }

    /** Zeroes weights by a seeded random mask: {@code n} of every {@code m}, or each with probability {@code p}. */
    static SparseStructure zeroOut(MemorySegment w, int rows, int cols, String format, Random random) {
        long count = (long) rows * cols;
        if (format.contains(":")) {
            String[] nm = format.split(":");
            SparseStructure.NOfM s = new SparseStructure.NOfM(Integer.parseInt(nm[0]), Integer.parseInt(nm[1]));
            int[] order = new int[s.m()];
            for (long g = 0; g < count; g += s.m()) {
                for (int j = 0; j < s.m(); j++) {
                    order[j] = j;
                }
                for (int j = s.m() - 1; j > 0; j--) {
                    int k = random.nextInt(j + 1);
                    int t = order[j];
                    order[j] = order[k];
                    order[k] = t;
                }
                for (int j = s.n(); j < s.m(); j++) {
                    w.setAtIndex(U16_LE, g + order[j], (short) 0);
                }
            }
            return s;
        }
        double p = Double.parseDouble(format);
        for (long i = 0; i < count; i++) {
            if (random.nextDouble() < p) {
                w.setAtIndex(U16_LE, i, (short) 0);
            }
        }
        return SparseStructure.UNSTRUCTURED;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matvec() {
        if (sparse == null) {
            kernels.matvec(dense, x, out, 0, dense.rows());
        } else {
            kernels.sparseMatvec(sparse, x, out, 0, sparse.rows());
        }
        return out;
    }
}
