package dev.spruce.bench.kernels;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.KvRows;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attention of one query head over a KV cache ({@code Kernels.attention}: scores, softmax,
 * weighted sum), scalar twin against SIMD. The cache is laid out {@code [position][kvHeads=4]
 * [headDim]} and the head reads one KV head, so rows are strided as in a real GQA cache.
 *
 * <p>From the average time {@code t} (µs/op), the cache {@code length} {@code T} and
 * {@code headDim} {@code D}:
 * <pre>
 *   cache bytes read = 2 * T * D * 4        (keys and values, F32)
 *   GB/s             = 8 * T * D / (t * 1000)
 *   GFLOP/s          = 4 * T * D / (t * 1000)   (2 flops per element for q·k, 2 for p·v)
 *   ns per position  = t * 1000 / T
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {

    private static final int KV_HEADS = 4;

    @Param({"scalar", "simd"})
    public String impl;

    @Param({"64", "128"})
    public int headDim;

    /** Short, odd and long contexts. */
    @Param({"127", "1021", "4097"})
    public int length;

    private Kernels kernels;
    private float[] q;
    private KvRows keys;
    private KvRows values;
    private float[] scores;
    private float[] out;
    private float scale;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = BenchSupport.kernels(impl);
        Random random = new Random(11);
        int stride = KV_HEADS * headDim;
        q = BenchSupport.uniform(random, headDim);
        keys = new KvRows(BenchSupport.uniform(random, length * stride), 2 * headDim, stride);
        values = new KvRows(BenchSupport.uniform(random, length * stride), 2 * headDim, stride);
        scores = new float[length];
        out = new float[headDim];
        scale = (float) (1 / Math.sqrt(headDim));
        float[] expected = new float[headDim];
        KernelProvider.scalar().attention(q, 0, headDim, keys, values, length, scale, new float[length], expected, 0);
        kernels.attention(q, 0, headDim, keys, values, length, scale, scores, out, 0);
        BenchSupport.check("attention " + impl + " headDim " + headDim + " length " + length, expected, out, length);
    }

    @Benchmark
    public float[] attention() {
        kernels.attention(q, 0, headDim, keys, values, length, scale, scores, out, 0);
        return out;
    }
}
