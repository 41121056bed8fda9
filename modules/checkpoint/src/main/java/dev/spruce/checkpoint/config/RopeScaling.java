package dev.spruce.checkpoint.config;

/** How a model stretches rotary position embeddings beyond its training context. */
public sealed interface RopeScaling {

    /** Plain RoPE. */
    record None() implements RopeScaling {
    }

    /** Positions divided by {@code factor} (HF {@code rope_type: linear}). */
    record Linear(double factor) implements RopeScaling {
    }

    /**
     * Llama 3.1's frequency-dependent scaling (HF {@code rope_type: llama3}): long wavelengths are
     * divided by {@code factor}, short ones kept, and the band between interpolated.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
    }
}
