package dev.spruce.compress.slice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.compress.CompanionFiles;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ConfigException;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.ExpectedTensor;
import dev.spruce.checkpoint.llama.LlamaTensorLayout;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.kernels.FloatFormats;

/**
 * Writes a sliced checkpoint: the tensors of {@link LlamaTensorLayout#expected(ModelConfig,
 * SlicingConfig)} from the run's float arrays in their dtypes, the source's {@code config.json}
 * with {@code tie_word_embeddings} false (slicing unties the head) and every other key as it was,
 * the tokenizer and other companion files copied, the {@code spruce.json} sidecar (which must hold
 * the {@code slicing_config}) and the report. Everything goes through {@link CheckpointWriter}, so
 * an interrupted run leaves nothing that looks complete.
 */
public final class SlicedCheckpointWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SlicedCheckpointWriter() {
    }

    /**
     * @param source   the directory the model was loaded from (config and tokenizer are taken from it)
     * @param config   the source model's config
     * @param files    extra files to write (the report), name → bytes
     * @throws IllegalArgumentException when the result's tensors are not exactly the sliced layout,
     *                                  or the sidecar has no slicing config
     */
    public static void write(Path source, ModelConfig config, SliceResult result, Path out, boolean overwrite,
                             JsonNode sidecar, Map<String, byte[]> files, WriteProgress progress) throws IOException {
        if (!sidecar.has(SlicingConfig.KEY)) {
            throw new IllegalArgumentException("the sidecar must hold the " + SlicingConfig.KEY
                    + ": without it the checkpoint cannot be loaded");
        }
        List<TensorSpec> specs = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (ExpectedTensor e : LlamaTensorLayout.expected(NormFusion.untied(config), result.slicing())) {
            SlicedTensor t = result.tensors().get(e.name());
            if (t == null || !t.shape().equals(e.shape())) {
                throw new IllegalArgumentException(e.name() + ": the slicing produced " + (t == null ? "nothing"
                        : "shape " + t.shape()) + ", the layout needs " + e.shape());
            }
            specs.add(new TensorSpec(t.name(), t.dtype(), t.shape()));
            expected.add(e.name());
        }
        for (String name : result.tensors().keySet()) {
            if (!expected.contains(name)) {
                throw new IllegalArgumentException(name + ": not a tensor of the sliced layout");
            }
        }
        ObjectNode patchedConfig = sourceConfig(source);
        patchedConfig.put("tie_word_embeddings", false);
        try (CheckpointWriter writer = CheckpointWriter.create(out, overwrite)) {
            for (Path file : companionFiles(source)) {
                writer.copyFile(file, file.getFileName().toString());
            }
            writer.writeJson(ModelConfig.FILE_NAME, patchedConfig);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                writer.writeBytes(f.getKey(), f.getValue());
            }
            writer.writeJson(SlicingConfig.SIDECAR, sidecar);
            writer.writeTensors(specs, (spec, target) -> fill(result.tensors().get(spec.name()), target),
                    CheckpointWriter.DEFAULT_SHARD_BYTES, progress);
            writer.commit();
        }
    }

    private static ObjectNode sourceConfig(Path source) throws IOException {
        Path file = source.resolve(ModelConfig.FILE_NAME);
        JsonNode root = JSON.readTree(file.toFile());
        if (!(root instanceof ObjectNode o)) {
            throw new ConfigException(file, "not a JSON object");
        }
        return o.deepCopy();
    }

    private static void fill(SlicedTensor t, MemorySegment target) {
        float[] v = t.values();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(v, 0, target, Tensor.F32, 0, v.length);
            case BF16 -> {
                for (int i = 0; i < v.length; i++) {
                    target.setAtIndex(Tensor.I16, i, FloatFormats.floatToBf16(v[i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < v.length; i++) {
                    target.setAtIndex(Tensor.I16, i, FloatFormats.floatToF16(v[i]));
                }
            }
            default -> throw new IllegalArgumentException(t.name() + ": cannot write weights as " + t.dtype());
        }
    }

    /**
     * The files of the source directory to carry over: tokenizer files, generation config, README;
     * not the weights, not {@code config.json} (written patched) and not Spruce's own sidecar and reports.
     */
    static List<Path> companionFiles(Path dir) throws IOException {
        return CompanionFiles.of(dir, Set.of(SlicingConfig.SIDECAR, ModelConfig.FILE_NAME), Set.of("prune-report.", "slice-report."));
    }
}
