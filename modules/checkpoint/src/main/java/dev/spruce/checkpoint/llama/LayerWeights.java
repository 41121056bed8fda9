package dev.spruce.checkpoint.llama;

import dev.spruce.checkpoint.Tensor;

/**
 * The tensors of one decoder block. Bias fields are {@code null} when the architecture has none.
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
        Tensor down, Tensor downBias) {
}
