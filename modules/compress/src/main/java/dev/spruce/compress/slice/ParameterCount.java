package dev.spruce.compress.slice;

import java.util.Map;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.DenseLinear;
import dev.spruce.model.Linear;
import dev.spruce.model.LinearRole;
import dev.spruce.model.LlamaModel;

/**
 * Parameters of a model by part, counted as stored: a tied head counts once (with the embeddings),
 * an untied one in {@code head}; SliceGPT's shortcut matrices count in full, as they must be
 * stored and multiplied like any weight.
 *
 * @param attention q/k/v/o weights and biases
 * @param mlp       gate/up/down weights and biases
 * @param shortcuts {@code attn_shortcut_Q} and {@code mlp_shortcut_Q}
 * @param norms     RMSNorm scales (none once fused)
 * @param head      lm_head when it is a tensor of its own
 */
public record ParameterCount(long embeddings, long attention, long mlp, long shortcuts, long norms, long head) {

    public long total() {
        return embeddings + attention + mlp + shortcuts + norms + head;
    }

    /** The parameters of a model as its checkpoint stores them (a sliced model's norms are weightless). */
    public static ParameterCount of(LlamaModel model) {
        ModelConfig c = model.config();
        boolean weightlessNorms = model.slicing() != null;
        long attention = 0;
        long mlp = 0;
        long norms = weightlessNorms ? 0 : model.finalNorm().length;
        long shortcuts = 0;
        for (DecoderLayer l : model.layers()) {
            for (LinearRole r : LinearRole.values()) {
                long n = weights(l.linear(r));
                switch (r) {
                    case Q, K, V, O -> attention += n;
                    case GATE, UP, DOWN -> mlp += n;
                }
            }
            if (l.attnShortcut() != null) {
                shortcuts += weights(l.attnShortcut()) + weights(l.mlpShortcut());
            }
            norms += weightlessNorms ? 0 : l.inputNorm().length + l.postAttentionNorm().length;
        }
        long embeddings = (long) model.embeddings().rows() * model.embeddings().cols();
        long head = c.tieWordEmbeddings() ? 0 : weights(model.lmHead());
        return new ParameterCount(embeddings, attention, mlp, shortcuts, norms, head);
    }

    /** The parameters of the tensors a sliced checkpoint stores, by name. */
    static ParameterCount of(Map<String, SlicedTensor> tensors) {
        long embeddings = 0;
        long attention = 0;
        long mlp = 0;
        long shortcuts = 0;
        long head = 0;
        for (SlicedTensor t : tensors.values()) {
            long n = t.values().length;
            String name = t.name();
            if (name.equals(LlamaTensorNames.EMBED)) {
                embeddings += n;
            } else if (name.equals(LlamaTensorNames.LM_HEAD)) {
                head += n;
            } else if (name.endsWith(LlamaTensorNames.ATTN_SHORTCUT) || name.endsWith(LlamaTensorNames.MLP_SHORTCUT)) {
                shortcuts += n;
            } else if (name.contains(".self_attn.")) {
                attention += n;
            } else if (name.contains(".mlp.")) {
                mlp += n;
            } else {
                throw new IllegalArgumentException("unexpected tensor in a sliced checkpoint: " + name);
            }
        }
        return new ParameterCount(embeddings, attention, mlp, shortcuts, 0, head);
    }

    private static long weights(Linear l) {
        long n = (long) l.outFeatures() * l.inFeatures();
        if (l instanceof DenseLinear d && d.bias() != null) {
            n += d.bias().length;
        }
        return n;
    }
}
