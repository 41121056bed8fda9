package dev.spruce.compress.pipeline;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.compress.CompanionFiles;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.kernels.DenseMatrix;

/**
 * Writes a pruned checkpoint as DESIGN.md asks: every tensor of the source, in its source dtype
 * and order, the pruned linears from the pipeline's {@link WeightSpill} (already in the source
 * dtype; pruned weights are exact zeros in every dtype), the config and tokenizer files copied unchanged (no {@code sparsity_config}), plus the
 * {@code spruce.json} sidecar and the report. Everything goes through {@link CheckpointWriter}, so
 * an interrupted run leaves nothing that looks complete.
 */
public final class PrunedCheckpointWriter {

    /** The sidecar's file name. */
    public static final String SIDECAR = "spruce.json";

    private PrunedCheckpointWriter() {
    }

    /**
     * @param source    the checkpoint the model was loaded from (still open)
     * @param pruned    replacement weights by tensor name, in the tensor's dtype
     * @param files     extra files to write (the report), name → bytes
     * @throws IllegalArgumentException when a replacement does not match its tensor's shape
     */
    public static void write(Checkpoint source, Map<String, DenseMatrix> pruned, Path out, boolean overwrite,
                             JsonNode sidecar, Map<String, byte[]> files, WriteProgress progress) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (Tensor t : source.tensors().values()) {
            DenseMatrix w = pruned.get(t.name());
            if (w != null) {
                if (t.numel() != (long) w.rows() * w.cols()) {
                    throw new IllegalArgumentException(t.name() + ": [" + w.rows() + ", " + w.cols()
                            + "] pruned weights for shape " + t.shape());
                }
                if (!t.dtype().name().equals(w.dtype().name())) {
                    throw new IllegalArgumentException(t.name() + ": pruned weights are " + w.dtype() + ", the tensor "
                            + t.dtype());
                }
            }
            specs.add(new TensorSpec(t.name(), t.dtype(), t.shape()));
        }
        try (CheckpointWriter writer = CheckpointWriter.create(out, overwrite)) {
            for (Path file : companionFiles(source.directory())) {
                writer.copyFile(file, file.getFileName().toString());
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                writer.writeBytes(f.getKey(), f.getValue());
            }
            writer.writeJson(SIDECAR, sidecar);
            writer.writeTensors(specs, (spec, target) -> {
                DenseMatrix w = pruned.get(spec.name());
                MemorySegment from = w == null ? source.tensor(spec.name()).data() : w.data();
                MemorySegment.copy(from, 0, target, 0, spec.byteSize());
            }, CheckpointWriter.DEFAULT_SHARD_BYTES, progress);
            writer.commit();
        }
    }

    static List<Path> companionFiles(Path dir) throws IOException {
        return CompanionFiles.of(dir, Set.of(SIDECAR), Set.of("prune-report."));
    }
}
