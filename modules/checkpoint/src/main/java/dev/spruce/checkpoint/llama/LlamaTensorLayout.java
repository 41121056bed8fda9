package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.config.ModelConfig;

import java.util.ArrayList;
import java.util.List;

import static dev.spruce.checkpoint.llama.LlamaTensorNames.layer;

/**
 * Every tensor a Llama-family config implies, with its shape, in the order Hugging Face writes
 * them (embeddings, then block by block, then the final norm and head). Linear weights are
 * {@code [out_features, in_features]}, as in {@code torch.nn.Linear}.
 */
public final class LlamaTensorLayout {

    private LlamaTensorLayout() {
    }

    public static List<ExpectedTensor> expected(ModelConfig c) {
        List<ExpectedTensor> out = new ArrayList<>();
        int d = c.hiddenSize();
        out.add(ExpectedTensor.of(LlamaTensorNames.EMBED, c.vocabSize(), d));
        for (int i = 0; i < c.numLayers(); i++) {
            out.add(ExpectedTensor.of(layer(i, "input_layernorm.weight"), d));
            addLinear(out, layer(i, "self_attn.q_proj"), c.queryDim(), d, c.qkvBias());
            addLinear(out, layer(i, "self_attn.k_proj"), c.kvDim(), d, c.qkvBias());
            addLinear(out, layer(i, "self_attn.v_proj"), c.kvDim(), d, c.qkvBias());
            addLinear(out, layer(i, "self_attn.o_proj"), d, c.queryDim(), c.oBias());
            out.add(ExpectedTensor.of(layer(i, "post_attention_layernorm.weight"), d));
            addLinear(out, layer(i, "mlp.gate_proj"), c.intermediateSize(), d, c.mlpBias());
            addLinear(out, layer(i, "mlp.up_proj"), c.intermediateSize(), d, c.mlpBias());
            addLinear(out, layer(i, "mlp.down_proj"), d, c.intermediateSize(), c.mlpBias());
        }
        out.add(ExpectedTensor.of(LlamaTensorNames.FINAL_NORM, d));
        if (!c.tieWordEmbeddings()) {
            out.add(ExpectedTensor.of(LlamaTensorNames.LM_HEAD, c.vocabSize(), d));
        }
        return out;
    }

    /**
     * The tensors of a SliceGPT-sliced version of {@code c} with the widths of {@code s}, in write
     * order: no norm weights (they are fused into the linears), a shortcut matrix after o_proj and
     * after down_proj of every block, and an own {@code lm_head} (slicing unties it). With
     * {@code s == null}, the dense layout of {@link #expected(ModelConfig)}.
     */
    public static List<ExpectedTensor> expected(ModelConfig c, SlicingConfig s) {
        if (s == null) {
            return expected(c);
        }
        List<ExpectedTensor> out = new ArrayList<>();
        out.add(ExpectedTensor.of(LlamaTensorNames.EMBED, c.vocabSize(), s.embeddingDimension()));
        for (int i = 0; i < c.numLayers(); i++) {
            int in = s.attentionInput(i);
            int mid = s.attentionOutput(i);
            int mlpIn = s.mlpInput(i);
            int after = s.mlpOutput(i);
            addLinear(out, layer(i, "self_attn.q_proj"), c.queryDim(), in, c.qkvBias());
            addLinear(out, layer(i, "self_attn.k_proj"), c.kvDim(), in, c.qkvBias());
            addLinear(out, layer(i, "self_attn.v_proj"), c.kvDim(), in, c.qkvBias());
            addLinear(out, layer(i, "self_attn.o_proj"), mid, c.queryDim(), c.oBias());
            out.add(ExpectedTensor.of(layer(i, LlamaTensorNames.ATTN_SHORTCUT), in, mid));
            addLinear(out, layer(i, "mlp.gate_proj"), c.intermediateSize(), mlpIn, c.mlpBias());
            addLinear(out, layer(i, "mlp.up_proj"), c.intermediateSize(), mlpIn, c.mlpBias());
            addLinear(out, layer(i, "mlp.down_proj"), after, c.intermediateSize(), c.mlpBias());
            out.add(ExpectedTensor.of(layer(i, LlamaTensorNames.MLP_SHORTCUT), mlpIn, after));
        }
        out.add(ExpectedTensor.of(LlamaTensorNames.LM_HEAD, c.vocabSize(), s.headDimension()));
        return out;
    }

    private static void addLinear(List<ExpectedTensor> out, String prefix, long outFeatures, long inFeatures, boolean bias) {
        out.add(ExpectedTensor.of(prefix + ".weight", outFeatures, inFeatures));
        if (bias) {
            out.add(ExpectedTensor.of(prefix + ".bias", outFeatures));
        }
    }
}
