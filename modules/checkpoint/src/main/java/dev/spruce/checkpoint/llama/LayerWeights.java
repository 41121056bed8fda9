package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.Tensor;

/**
 * The tensors of one decoder block. Bias fields are {@code null} when the architecture has none.
 * In a SliceGPT-sliced checkpoint the norms are {@code null} (weightless, fused into the linears)
 * and the two shortcut matrices are present; in any other checkpoint the shortcuts are {@code null}.
 */
public record LayerWeights(
        Tensor inputNorm,
        Tensor q, Tensor qBias,
        Tensor k, Tensor kBias,
        Tensor v, Tensor vBias,
        Tensor o, Tensor oBias,
        Tensor postAttentionNorm,
        Tensor gate, Tensor gateBias,
        Tensor up, Tensor upBias,
        Tensor down, Tensor downBias,
        Tensor attnShortcut, Tensor mlpShortcut) {

    /** A dense block: no shortcut matrices. */
    public LayerWeights(Tensor inputNorm, Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias,
                        Tensor o, Tensor oBias, Tensor postAttentionNorm, Tensor gate, Tensor gateBias, Tensor up,
                        Tensor upBias, Tensor down, Tensor downBias) {
        this(inputNorm, q, qBias, k, kBias, v, vBias, o, oBias, postAttentionNorm, gate, gateBias, up, upBias, down,
                downBias, null, null);
    }
}
