package dev.spruce.bench.jlama;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Shape;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of a checkpoint whose MLP width is rounded up with zero rows of gate_proj and up_proj and
 * zero columns of down_proj: the model computes the same function (the extra units are
 * {@code silu(0) * 0 = 0} and meet zero weights). Jlama's Panama backend needs it: its
 * {@code maccumulate} rejects widths that are not a multiple of 8, and stories260K's is 172.
 */
final class PaddedMlpCheckpoint {

    private static final String GATE = ".mlp.gate_proj.weight";
    private static final String UP = ".mlp.up_proj.weight";
    private static final String DOWN = ".mlp.down_proj.weight";

    private PaddedMlpCheckpoint() {
    }

    /** Writes the copy of {@code source} with an MLP width that is a multiple of {@code multiple} into {@code out}. */
    static Path write(Path source, int multiple, Path out) throws IOException {
        ModelConfig c = ModelConfig.read(source);
        int width = c.intermediateSize();
        int padded = (width + multiple - 1) / multiple * multiple;
        ModelConfig p = new ModelConfig(c.family(), c.hiddenSize(), padded, c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                c.tieWordEmbeddings(), c.qkvBias(), c.oBias(), c.mlpBias(), c.bosTokenIds(), c.eosTokenIds(),
                c.torchDtype());
        try (Checkpoint ck = Checkpoint.open(source); CheckpointWriter w = CheckpointWriter.create(out, false)) {
            w.writeJson(ModelConfig.FILE_NAME, p.toJson());
            List<TensorSpec> specs = new ArrayList<>();
            for (Tensor t : ck.tensors().values()) {
                Shape s = t.shape();
                Shape shape = t.name().endsWith(GATE) || t.name().endsWith(UP) ? Shape.of(padded, s.dim(1))
                        : t.name().endsWith(DOWN) ? Shape.of(s.dim(0), padded) : s;
                specs.add(new TensorSpec(t.name(), t.dtype(), shape));
            }
            w.writeTensors(specs, (spec, target) -> {
                Tensor t = ck.tensor(spec.name());
                if (spec.name().endsWith(DOWN)) {
                    // Row r keeps its `width` values and gets zeros up to `padded`.
                    long rowBytes = t.dtype().byteSize(width);
                    for (long r = 0; r < t.shape().dim(0); r++) {
                        MemorySegment.copy(t.data(), r * rowBytes, target, r * t.dtype().byteSize(padded), rowBytes);
                    }
                } else {
                    // Same layout, possibly with zero rows after the real ones.
                    MemorySegment.copy(t.data(), 0, target, 0, t.byteSize());
                }
            }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
            w.commit();
        }
        return out;
    }
}
