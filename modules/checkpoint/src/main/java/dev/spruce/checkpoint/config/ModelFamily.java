package dev.spruce.checkpoint.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Llama-family architectures Spruce runs, by their {@code model_type}. They share one
 * decoder block; they differ in which projections carry a bias.
 */
public enum ModelFamily {
    /** Llama 1/2/3, TinyLlama, SmolLM: biases only if {@code attention_bias} / {@code mlp_bias} say so. */
    LLAMA("llama"),
    /** Mistral: no biases (a {@code sliding_window} wider than the context changes nothing). */
    MISTRAL("mistral"),
    /** Qwen2: q/k/v projections always carry a bias, o_proj never. */
    QWEN2("qwen2");

    private final String modelType;

    ModelFamily(String modelType) {
        this.modelType = modelType;
    }

    public String modelType() {
        return modelType;
    }

    /** The family for a {@code model_type}, or empty. */
    public static Optional<ModelFamily> fromModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
    }

    /** The {@code model_type} values Spruce supports. */
    public static List<String> supportedModelTypes() {
        return Arrays.stream(values()).map(ModelFamily::modelType).toList();
    }
}
