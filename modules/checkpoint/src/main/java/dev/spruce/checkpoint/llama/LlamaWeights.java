package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.sparse.PackedWeights;
import dev.spruce.kernels.SparseMatrix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.spruce.checkpoint.llama.LlamaTensorNames.layer;

/**
 * A checkpoint's tensors bound to the roles a Llama-family config gives them, after checking
 * every expected tensor's presence, dtype and shape. Binding reads no tensor data.
 *
 * @param config      the architecture
 * @param embeddings  token embeddings {@code [vocab, hidden]}
 * @param layers      the decoder blocks
 * @param finalNorm   the last RMSNorm's scale (null in a sliced checkpoint: its norms are weightless)
 * @param lmHead      the output projection ({@code embeddings} itself when tied)
 * @param slicing     the widths of a SliceGPT-sliced checkpoint, or null for a dense one
 * @param packed      linear weights stored in a compressed-tensors bitmask layout, by weight name
 *                    ({@code ...q_proj.weight}); their {@link LayerWeights} field is null
 */
public record LlamaWeights(ModelConfig config, Tensor embeddings, List<LayerWeights> layers, Tensor finalNorm,
                           Tensor lmHead, SlicingConfig slicing, Map<String, SparseMatrix> packed) {

    /** Dtypes the engine computes with. */
    public static final Set<DType> WEIGHT_DTYPES = Set.of(DType.F32, DType.F16, DType.BF16);

    /**
     * Binds {@code checkpoint} to {@code config}, as a sliced checkpoint when the directory's
     * {@code spruce.json} holds a {@link SlicingConfig}.
     *
     * @throws WeightBindingException listing every missing tensor, wrong shape and unusable dtype
     * @throws dev.spruce.checkpoint.config.ConfigException when the slicing config is malformed
     */
    public static LlamaWeights bind(ModelConfig config, Checkpoint checkpoint) throws java.io.IOException {
        return bind(config, SlicingConfig.read(checkpoint.directory()).orElse(null), checkpoint);
    }

    /**
     * Binds {@code checkpoint} to {@code config} with the widths of {@code slicing} (null: dense).
     *
     * @throws WeightBindingException listing every missing tensor, wrong shape and unusable dtype,
     *                                and every way the slicing config does not fit the model
     */
    public static LlamaWeights bind(ModelConfig config, SlicingConfig slicing, Checkpoint checkpoint)
            throws WeightBindingException {
        List<String> problems = new ArrayList<>();
        if (slicing == null) {
            checkpoint.tensors().keySet().stream()
                    .filter(n -> n.endsWith(LlamaTensorNames.ATTN_SHORTCUT) || n.endsWith(LlamaTensorNames.MLP_SHORTCUT))
                    .findFirst()
                    .ifPresent(n -> problems.add("it holds SliceGPT shortcut matrices ('" + n + "') but "
                            + SlicingConfig.SIDECAR + " has no readable " + SlicingConfig.KEY
                            + ", so its per-layer widths are unknown"));
        } else {
            slicing.problems(config).forEach(p -> problems.add(SlicingConfig.SIDECAR + ": " + p));
            if (config.tieWordEmbeddings()) {
                problems.add("a sliced checkpoint has its own lm_head, but config.json says tie_word_embeddings true");
            }
            if (!problems.isEmpty()) {
                throw new WeightBindingException(checkpoint.directory(), problems);
            }
        }
        Map<String, SparseMatrix> packed = new LinkedHashMap<>();
        for (ExpectedTensor e : LlamaTensorLayout.expected(config, slicing)) {
            Tensor t = checkpoint.tensor(e.name());
            if (t == null && PackedWeights.isPacked(checkpoint, e.name())) {
                bindPacked(checkpoint, e, packed, problems);
                continue;
            }
            if (t == null) {
                problems.add("'" + e.name() + "' is missing (expected shape " + e.shape() + ")");
                continue;
            }
            if (!t.shape().equals(e.shape())) {
                problems.add("'" + e.name() + "' has shape " + t.shape() + ", expected " + e.shape());
            }
            if (!WEIGHT_DTYPES.contains(t.dtype())) {
                problems.add("'" + e.name() + "' has dtype " + t.dtype() + ", expected one of F32, F16, BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new WeightBindingException(checkpoint.directory(), problems);
        }
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            int l = i;
            java.util.function.Function<String, Tensor> t = s -> checkpoint.tensor(layer(l, s));
            layers.add(new LayerWeights(
                    slicing != null ? null : t.apply("input_layernorm.weight"),
                    t.apply("self_attn.q_proj.weight"), t.apply("self_attn.q_proj.bias"),
                    t.apply("self_attn.k_proj.weight"), t.apply("self_attn.k_proj.bias"),
                    t.apply("self_attn.v_proj.weight"), t.apply("self_attn.v_proj.bias"),
                    t.apply("self_attn.o_proj.weight"), t.apply("self_attn.o_proj.bias"),
                    slicing != null ? null : t.apply("post_attention_layernorm.weight"),
                    t.apply("mlp.gate_proj.weight"), t.apply("mlp.gate_proj.bias"),
                    t.apply("mlp.up_proj.weight"), t.apply("mlp.up_proj.bias"),
                    t.apply("mlp.down_proj.weight"), t.apply("mlp.down_proj.bias"),
                    slicing == null ? null : t.apply(LlamaTensorNames.ATTN_SHORTCUT),
                    slicing == null ? null : t.apply(LlamaTensorNames.MLP_SHORTCUT)));
        }
        Tensor embeddings = checkpoint.tensor(LlamaTensorNames.EMBED);
        Tensor lmHead = config.tieWordEmbeddings() ? embeddings : checkpoint.tensor(LlamaTensorNames.LM_HEAD);
        Tensor finalNorm = slicing != null ? null : checkpoint.tensor(LlamaTensorNames.FINAL_NORM);
        return new LlamaWeights(config, embeddings, List.copyOf(layers), finalNorm, lmHead, slicing,
                java.util.Collections.unmodifiableMap(packed));
    }

    /** Reads a packed linear weight, or records why it cannot be used. */
    private static void bindPacked(Checkpoint checkpoint, ExpectedTensor e, Map<String, SparseMatrix> packed,
                                   List<String> problems) {
        boolean linear = e.name().startsWith("model.layers.") && e.shape().rank() == 2
                && !e.name().endsWith(LlamaTensorNames.ATTN_SHORTCUT) && !e.name().endsWith(LlamaTensorNames.MLP_SHORTCUT);
        if (!linear) {
            problems.add("'" + e.name() + "' is stored packed, which only a decoder block's linear weights may be");
            return;
        }
        try {
            SparseMatrix m = PackedWeights.read(checkpoint, e.name());
            if (m.rows() != e.shape().dim(0) || m.cols() != e.shape().dim(1)) {
                problems.add("'" + e.name() + "' is packed with shape [" + m.rows() + ", " + m.cols() + "], expected "
                        + e.shape());
            } else {
                packed.put(e.name(), m);
            }
        } catch (dev.spruce.checkpoint.CheckpointFormatException ex) {
            problems.add(ex.getMessage());
        }
    }
}
