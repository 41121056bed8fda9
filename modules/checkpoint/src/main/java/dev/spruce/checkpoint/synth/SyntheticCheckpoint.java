package dev.spruce.checkpoint.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaTensorLayout;
import dev.spruce.kernels.FloatFormats;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a seeded random checkpoint with a real model's shapes, its config and a tokenizer,
 * through the streaming {@link CheckpointWriter}: a 13.5 GB {@code llama2-7b} in BF16 needs no
 * more heap than its largest tensor's worth of nothing (values go straight into the mapped file).
 *
 * <p>Values: RMSNorm scales uniform in [0.9, 1.1]; every matrix uniform with standard deviation
 * 0.02 (the usual initialiser range), so activations stay in a realistic range through all layers.
 */
public final class SyntheticCheckpoint {

    /** Elements generated per task; large enough to amortise scheduling, small enough to balance two cores. */
    private static final int CHUNK = 1 << 20;
    private static final float MATRIX_HALF_WIDTH = (float) (0.02 * Math.sqrt(3.0));

    /**
     * What to write.
     *
     * @param preset       the model shapes
     * @param dtype        F32, F16 or BF16
     * @param seed         the random seed (same seed, same bytes)
     * @param maxPositions a longer context to declare than the model's own, or 0
     * @param shardBytes   maximum shard size
     * @param force        replace an existing checkpoint in the output directory
     */
    public record Options(SyntheticPreset preset, DType dtype, long seed, int maxPositions, long shardBytes,
                          boolean force) {
        public Options {
            if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
                throw new IllegalArgumentException("synthetic weights are F32, F16 or BF16, not " + dtype);
            }
            if (shardBytes <= 0) {
                throw new IllegalArgumentException("shard size must be positive");
            }
        }

        public String torchDtype() {
            return switch (dtype) {
                case F32 -> "float32";
                case F16 -> "float16";
                default -> "bfloat16";
            };
        }
    }

    private SyntheticCheckpoint() {
    }

    /** The tensors a synthetic checkpoint of these options holds, in write order. */
    public static List<TensorSpec> tensors(Options o) {
        ModelConfig config = o.preset().config(o.torchDtype(), o.maxPositions());
        return LlamaTensorLayout.expected(config).stream().map(e -> new TensorSpec(e.name(), o.dtype(), e.shape())).toList();
    }

    /** Writes the checkpoint into {@code out}. */
    public static void write(Options o, Path out, WriteProgress progress) throws IOException {
        ModelConfig config = o.preset().config(o.torchDtype(), o.maxPositions());
        int threads = Runtime.getRuntime().availableProcessors();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads);
             CheckpointWriter w = CheckpointWriter.create(out, o.force())) {
            w.writeJson(ModelConfig.FILE_NAME, config.toJson());
            SyntheticTokenizer tokenizer = new SyntheticTokenizer(o.preset().tokenizer(), config.vocabSize());
            w.writeJson(SyntheticTokenizer.TOKENIZER_FILE, tokenizer.tokenizerJson());
            w.writeJson(SyntheticTokenizer.TOKENIZER_CONFIG_FILE, tokenizer.tokenizerConfigJson(config.maxPositionEmbeddings()));
            w.writeJson("spruce.json", sidecar(o));
            w.writeTensors(tensors(o), (spec, target) -> fill(spec, target, o.seed(), pool), o.shardBytes(), progress);
            w.commit();
        }
    }

    private static void fill(TensorSpec spec, MemorySegment target, long seed, ExecutorService pool) throws IOException {
        SeededValues values = new SeededValues(seed, spec.name());
        boolean norm = spec.shape().rank() == 1;
        float scale = norm ? 0.1f : MATRIX_HALF_WIDTH;
        float offset = norm ? 1.0f : 0.0f;
        long n = spec.shape().numel();
        List<Future<?>> tasks = new ArrayList<>();
        for (long start = 0; start < n; start += CHUNK) {
            long from = start, to = Math.min(n, start + CHUNK);
            tasks.add(pool.submit(() -> {
                for (long i = from; i < to; i++) {
                    store(target, spec.dtype(), i, offset + scale * values.uniform(i));
                }
            }));
        }
        try {
            for (Future<?> t : tasks) {
                t.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating " + spec.name(), e);
        } catch (ExecutionException e) {
            throw new IOException("generating " + spec.name() + " failed", e.getCause());
        }
    }

    private static void store(MemorySegment target, DType dtype, long i, float v) {
        switch (dtype) {
            case F32 -> target.setAtIndex(Tensor.F32, i, v);
            case BF16 -> target.setAtIndex(Tensor.I16, i, FloatFormats.floatToBf16(v));
            case F16 -> target.setAtIndex(Tensor.I16, i, FloatFormats.floatToF16(v));
            default -> throw new IllegalArgumentException(dtype.toString());
        }
    }

    private static ObjectNode sidecar(Options o) {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.putObject("synthetic")
                .put("like", o.preset().cliName())
                .put("dtype", o.dtype().name())
                .put("seed", o.seed())
                .put("values", "norms uniform [0.9, 1.1]; matrices uniform, std 0.02; counter-based SplitMix64 per tensor name");
        return root;
    }
}
