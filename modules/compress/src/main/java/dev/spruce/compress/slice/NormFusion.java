package dev.spruce.compress.slice;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.DenseLinear;
import dev.spruce.model.Linear;
import dev.spruce.model.LinearRole;
import dev.spruce.model.LlamaModel;

/**
 * SliceGPT's first step, computational invariance: every RMSNorm's scale {@code g} is folded into
 * the linears that read the norm's output ({@code W·diag(g)}: q/k/v after the input norm, gate/up
 * after the post-attention norm, lm_head after the final norm), leaving weightless norms
 * {@code x / rms(x)} that commute with any rotation of {@code x}. A tied head is untied first (the
 * embeddings must stay unscaled). The fused model computes exactly the original function.
 *
 * <p>Unlike the reference code, the embeddings' per-row mean is <em>not</em> subtracted: that step
 * is part of turning LayerNorm into RMSNorm, and for a model that already uses RMSNorm it changes
 * the function (on stories260K it moves perplexity by almost 1%).
 */
public final class NormFusion {

    private NormFusion() {
    }

    /**
     * Checks that {@code model}'s norms can be folded: a family whose blocks are pre-norm with
     * RMSNorm read only by linears, dense linears, finite scales, and not sliced already.
     *
     * @throws IllegalArgumentException naming the tensor or the model type and the reason
     */
    public static void requireFusable(LlamaModel model) {
        ModelConfig c = model.config();
        if (model.slicing() != null) {
            throw new IllegalArgumentException("the model is already sliced (SliceGPT): its norms are fused and its"
                    + " residual is " + model.embeddings().cols() + " of " + c.hiddenSize() + " wide");
        }
        // Each family Spruce runs is a pre-norm Llama block: RMSNorm → q/k/v and RMSNorm → gate/up,
        // nothing else reads a norm's output. A new family (say, Gemma's (1 + w) scales, or
        // post-norm blocks) must be looked at before it can be fused, hence no default branch.
        switch (c.family()) {
            case LLAMA, MISTRAL, QWEN2 -> { }
        }
        for (int i = 0; i < model.layers().size(); i++) {
            DecoderLayer l = model.layers().get(i);
            for (LinearRole r : LinearRole.values()) {
                requireDense(l.linear(r));
            }
            requireFinite(l.inputNorm(), "model.layers." + i + ".input_layernorm.weight", "q/k/v");
            requireFinite(l.postAttentionNorm(), "model.layers." + i + ".post_attention_layernorm.weight", "gate/up");
        }
        requireDense(model.lmHead());
        requireFinite(model.finalNorm(), "model.norm.weight", "lm_head");
    }

    private static void requireDense(Linear l) {
        if (!(l instanceof DenseLinear)) {
            throw new IllegalArgumentException(l.name() + ": a norm scale can only be folded into a dense linear,"
                    + " this one is " + l.getClass().getSimpleName());
        }
    }

    private static void requireFinite(float[] scale, String tensor, String readers) {
        for (int i = 0; i < scale.length; i++) {
            if (!Float.isFinite(scale[i])) {
                throw new IllegalArgumentException(tensor + " holds a non-finite scale (" + scale[i] + " at index " + i
                        + "): it cannot be folded into " + readers);
            }
        }
    }

    /** {@code W·diag(scale)}: column {@code c} of the linear's weights times {@code scale[c]}, in a new array. */
    static float[] foldScale(DenseLinear linear, float[] scale) {
        int rows = linear.outFeatures();
        int cols = linear.inFeatures();
        if (scale.length != cols) {
            throw new IllegalArgumentException(linear.name() + " reads " + cols + " features, the norm has " + scale.length);
        }
        float[] w = linear.toFloats();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] *= scale[c];
            }
        }
        return w;
    }

    /**
     * The fused model: heap F32 copies of every linear (norm scales folded in), weightless
     * full-width norms and an untied head; the embeddings are shared with {@code model}, which must
     * stay open while the result is used.
     */
    public static LlamaModel fuse(LlamaModel model) {
        requireFusable(model);
        Kernels k = model.kernels();
        int hidden = model.config().hiddenSize();
        float[] ones = DecoderLayer.weightlessNorm(hidden, hidden);
        List<DecoderLayer> layers = new ArrayList<>();
        for (DecoderLayer l : model.layers()) {
            layers.add(new DecoderLayer(ones,
                    folded(l.q(), l.inputNorm(), k), folded(l.k(), l.inputNorm(), k), folded(l.v(), l.inputNorm(), k),
                    copy(l.o(), k), ones,
                    folded(l.gate(), l.postAttentionNorm(), k), folded(l.up(), l.postAttentionNorm(), k),
                    copy(l.down(), k)));
        }
        DenseLinear head = (DenseLinear) model.lmHead();
        Linear fusedHead = DenseLinear.ofFloats(LlamaTensorNames.LM_HEAD, foldScale(head, model.finalNorm()),
                head.outFeatures(), head.inFeatures(), null, k);
        return LlamaModel.inMemory(untied(model.config()), k, model.embeddings(), layers, ones, fusedHead, null);
    }

    private static Linear folded(Linear l, float[] scale, Kernels k) {
        DenseLinear d = (DenseLinear) l;
        return DenseLinear.ofFloats(d.name(), foldScale(d, scale), d.outFeatures(), d.inFeatures(), d.bias(), k);
    }

    private static Linear copy(Linear l, Kernels k) {
        DenseLinear d = (DenseLinear) l;
        return DenseLinear.ofFloats(d.name(), d.toFloats(), d.outFeatures(), d.inFeatures(), d.bias(), k);
    }

    /** {@code c} with {@code tie_word_embeddings} false: fused and sliced models have their own head. */
    static ModelConfig untied(ModelConfig c) {
        return new ModelConfig(c.family(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), false, c.qkvBias(), c.oBias(), c.mlpBias(), c.bosTokenIds(), c.eosTokenIds(),
                c.torchDtype());
    }

    /** The embedding matrix widened to floats, row-major {@code [vocab][hidden]}. */
    static float[] embeddings(LlamaModel model) {
        DenseMatrix e = model.embeddings();
        float[] out = new float[e.rows() * e.cols()];
        model.kernels().toFloats(e.dtype(), e.data(), 0, out, 0, out.length);
        return out;
    }

    /** A heap F32 matrix over {@code values}, used as is. */
    static DenseMatrix heapMatrix(float[] values, int rows, int cols) {
        return new DenseMatrix(MemorySegment.ofArray(values), WeightDtype.F32, rows, cols);
    }
}
