package dev.spruce.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.checkpoint.llama.ExpectedTensor;
import dev.spruce.checkpoint.llama.LlamaTensorLayout;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.NoRopeScaling;

/** Small random Llama-family checkpoints with chosen shapes, for tests (also of the modules above). */
public final class TinyModels {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TinyModels() {
    }

    /** A config with the given attention shape; qwen2 adds q/k/v biases. */
    public static ModelConfig config(ModelFamily family, int hidden, int heads, int kvHeads, int layers, int vocab,
                              boolean tied) {
        return new ModelConfig(family, hidden, 3 * hidden - 5, layers, heads, kvHeads, hidden / heads, vocab, 128,
                1e-5, 10000.0, NoRopeScaling.INSTANCE, tied, family == ModelFamily.QWEN2, false, false,
                List.of(1), List.of(2), dtypeName(DType.F32));
    }

    /** Writes config.json and random weights (norm scales near 1, matrices with std ~0.15). */
    public static Path write(Path dir, ModelConfig config, DType dtype, long seed) throws IOException {
        return write(dir, config, null, dtype, seed);
    }

    /**
     * Writes a random checkpoint in the sliced layout of {@code slicing} (no norm weights, random
     * shortcut matrices, an untied head) with its {@code spruce.json}; {@code null} writes a dense one.
     */
    public static Path write(Path dir, ModelConfig config, SlicingConfig slicing, DType dtype, long seed)
            throws IOException {
        ModelConfig c = config.withTorchDtype(dtypeName(dtype));
        if (slicing != null && c.tieWordEmbeddings()) {
            throw new IllegalArgumentException("a sliced checkpoint has an untied head");
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (ExpectedTensor e : LlamaTensorLayout.expected(c, slicing)) {
            specs.add(new TensorSpec(e.name(), e.shape().rank() == 1 ? DType.F32 : dtype, e.shape()));
        }
        try (CheckpointWriter w = CheckpointWriter.create(dir, true)) {
            w.writeJson(ModelConfig.FILE_NAME, c.toJson());
            if (slicing != null) {
                ObjectNode sidecar = new ObjectMapper().createObjectNode();
                sidecar.set(SlicingConfig.KEY, slicing.toJson());
                w.writeJson(SlicingConfig.SIDECAR, sidecar);
            }
            w.writeTensors(specs, (spec, target) -> {
                SplittableRandom r = new SplittableRandom(seed ^ spec.name().hashCode());
                boolean norm = spec.name().endsWith("norm.weight");
                boolean bias = spec.name().endsWith(".bias");
                long n = spec.shape().numel();
                for (long i = 0; i < n; i++) {
                    float v = norm ? (float) (0.7 + 0.6 * r.nextDouble())
                            : (float) ((r.nextDouble() - 0.5) * (bias ? 0.2 : 0.5));
                    store(target, spec.dtype(), i, v);
                }
            }, CheckpointWriter.DEFAULT_SHARD_BYTES, (done, total, name) -> { });
            w.commit();
        }
        return dir;
    }

    private static void store(MemorySegment target, DType dtype, long i, float v) {
        switch (dtype) {
            case F32 -> target.setAtIndex(F32, i, v);
            case BF16 -> target.setAtIndex(U16, i, FloatFormats.floatToBf16(v));
            case F16 -> target.setAtIndex(U16, i, FloatFormats.floatToF16(v));
            default -> throw new IllegalArgumentException(dtype.toString());
        }
    }

    private static String dtypeName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }
}
