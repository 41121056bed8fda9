package dev.spruce.compress.pack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.sparse.PackedWeights;
import dev.spruce.compress.CompanionFiles;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.SparseMatrix;
import dev.spruce.kernels.SparsePacking;
import dev.spruce.kernels.SparseStructure;
import dev.spruce.kernels.WeightDtype;

/**
 * Rewrites a checkpoint with its sparse decoder-block linears in compressed-tensors' bitmask layout
 * ({@link PackedWeights}), so the engine maps them and multiplies them as they are. Every other
 * tensor is copied unchanged; {@code config.json} gains a {@code compression_config.sparsity_config}
 * naming the format. When every packed weight is 2:4 the checkpoint is {@code sparse-24-bitmask}
 * (exactly 2 values per 4, no row offsets), otherwise {@code sparse-bitmask}.
 */
public final class CheckpointPacker {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] MODULES = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    private CheckpointPacker() {
    }

    /** One weight and what packing it gives. */
    public record PackedTensor(String name, SparseStructure structure, double sparsity, long denseBytes,
                               long packedBytes) {
    }

    /**
     * @param format      {@code sparse-24-bitmask}, {@code sparse-bitmask}, or null when nothing was sparse enough
     * @param packed      the weights written packed
     * @param keptDense   block linears left dense (below the threshold)
     * @param bytesBefore all tensor bytes of the source
     * @param bytesAfter  all tensor bytes written
     */
    public record PackResult(String format, List<PackedTensor> packed, List<String> keptDense, long bytesBefore,
                             long bytesAfter) {
    }

    /**
     * @param minSparsity a block linear is packed when at least this fraction of it is zero
     * @throws IllegalArgumentException when the source is already packed
     */
    public static PackResult pack(Path source, Path out, double minSparsity, boolean overwrite, WriteProgress progress)
            throws IOException {
        ModelConfig config = ModelConfig.read(source);
        try (Checkpoint checkpoint = Checkpoint.open(source)) {
            LlamaWeights weights = LlamaWeights.bind(config, checkpoint);
            if (!weights.packed().isEmpty()) {
                throw new IllegalArgumentException(source + " is already packed ("
                        + weights.packed().keySet().iterator().next() + " and " + (weights.packed().size() - 1)
                        + " more weights are stored in a bitmask layout)");
            }
            Map<String, Planned> plan = plan(checkpoint, config, minSparsity);
            boolean twoFour = !plan.isEmpty() && plan.values().stream().allMatch(p -> p.structure() == SparseStructure.TWO_FOUR);
            List<TensorSpec> specs = new ArrayList<>();
            List<PackedTensor> packed = new ArrayList<>();
            List<String> keptDense = new ArrayList<>();
            long before = 0;
            for (Tensor t : checkpoint.tensors().values()) {
                before += t.byteSize();
                Planned s = plan.get(t.name());
                if (s == null) {
                    specs.add(new TensorSpec(t.name(), t.dtype(), t.shape()));
                    if (isBlockLinear(t.name())) {
                        keptDense.add(t.name());
                    }
                    continue;
                }
                DenseMatrix m = matrix(t);
                long values = twoFour ? (long) m.rows() * m.cols() / 2 : (long) m.rows() * m.cols() - s.zeros();
                List<TensorSpec> parts = PackedWeights.specs(t.name(), m.rows(), m.cols(), values, t.dtype(), twoFour);
                specs.addAll(parts);
                packed.add(new PackedTensor(t.name(), s.structure(), (double) s.zeros() / t.numel(), t.byteSize(),
                        parts.stream().mapToLong(TensorSpec::byteSize).sum()));
            }
            PackingFiller filler = new PackingFiller(checkpoint, twoFour);
            try (CheckpointWriter writer = CheckpointWriter.create(out, overwrite)) {
                for (Path file : CompanionFiles.of(source, Set.of(ModelConfig.FILE_NAME), Set.of())) {
                    writer.copyFile(file, file.getFileName().toString());
                }
                String format = packed.isEmpty() ? null : twoFour ? PackedWeights.FORMAT_24 : PackedWeights.FORMAT_BITMASK;
                writer.writeJson(ModelConfig.FILE_NAME, configWithSparsity(source, format, twoFour, packed));
                writer.writeTensors(specs, filler, CheckpointWriter.DEFAULT_SHARD_BYTES, progress);
                writer.commit();
                long after = specs.stream().mapToLong(TensorSpec::byteSize).sum();
                return new PackResult(format, List.copyOf(packed), List.copyOf(keptDense), before, after);
            }
        }
    }

    /** A weight to pack: whether its zeros are 2:4 (else unstructured), and how many there are. */
    private record Planned(SparseStructure structure, long zeros) {
    }

    /** The block linears at or above the threshold (and with at least one zero). */
    private static Map<String, Planned> plan(Checkpoint checkpoint, ModelConfig config, double minSparsity) {
        Map<String, Planned> plan = new LinkedHashMap<>();
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (String module : MODULES) {
                Tensor t = checkpoint.tensor(LlamaTensorNames.layer(layer, module + ".weight"));
                DenseMatrix m = matrix(t);
                long zeros = SparsePacking.countZeros(m);
                if (zeros > 0 && zeros >= minSparsity * t.numel()) {
                    boolean twoFour = SparsePacking.satisfies(m, (SparseStructure.NOfM) SparseStructure.TWO_FOUR);
                    plan.put(t.name(), new Planned(twoFour ? SparseStructure.TWO_FOUR : SparseStructure.UNSTRUCTURED, zeros));
                }
            }
        }
        return plan;
    }

    private static boolean isBlockLinear(String name) {
        if (!name.startsWith("model.layers.") || !name.endsWith(".weight")) {
            return false;
        }
        for (String module : MODULES) {
            if (name.endsWith("." + module + ".weight")) {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode configWithSparsity(Path source, String format, boolean twoFour, List<PackedTensor> packed)
            throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve(ModelConfig.FILE_NAME).toFile());
        if (format == null) {
            return config;
        }
        ObjectNode sparsity = config.putObject("compression_config").putObject("sparsity_config");
        sparsity.put("format", format);
        sparsity.put("sparsity_structure", twoFour ? "2:4" : "unstructured");
        long dense = 0;
        double zeros = 0;
        for (PackedTensor p : packed) {
            long n = p.denseBytes();
            dense += n;
            zeros += p.sparsity() * n;
        }
        sparsity.put("global_sparsity", zeros / dense);
        ArrayNode targets = sparsity.putArray("targets");
        packed.forEach(p -> targets.add(PackedWeights.module(p.name())));
        sparsity.putArray("ignore").add("lm_head");
        return config;
    }

    static DenseMatrix matrix(Tensor t) {
        WeightDtype dtype = switch (t.dtype()) {
            case F32 -> WeightDtype.F32;
            case BF16 -> WeightDtype.BF16;
            case F16 -> WeightDtype.F16;
            default -> throw new IllegalArgumentException(t.name() + ": not a weight dtype: " + t.dtype());
        };
        return new DenseMatrix(t.data(), dtype, (int) t.shape().dim(0), (int) t.shape().dim(1));
    }

    /** Copies dense tensors and writes packed ones, packing each weight once for its three or four parts. */
    private static final class PackingFiller implements dev.spruce.checkpoint.TensorFiller {
        private final Checkpoint source;
        private final boolean twoFour;
        private String current;
        private SparseMatrix packed;

        PackingFiller(Checkpoint source, boolean twoFour) {
            this.source = source;
            this.twoFour = twoFour;
        }

        @Override
        public void fill(TensorSpec spec, java.lang.foreign.MemorySegment target) {
            Tensor dense = source.tensor(spec.name());
            if (dense != null) {
                java.lang.foreign.MemorySegment.copy(dense.data(), 0, target, 0, spec.byteSize());
                return;
            }
            String weight = PackedWeights.weightOf(spec.name());
            if (!weight.equals(current)) {
                DenseMatrix m = matrix(source.tensor(weight));
                packed = SparsePacking.pack(m, twoFour ? SparseStructure.TWO_FOUR : SparseStructure.UNSTRUCTURED);
                current = weight;
            }
            PackedWeights.fill(spec, packed, target);
        }
    }

}
