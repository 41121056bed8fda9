package dev.spruce.kernels;

/**
 * Llama 3.1's frequency-dependent scaling ({@code rope_type: "llama3"}): wavelengths shorter than
 * {@code original / high_freq_factor} are kept, those longer than {@code original / low_freq_factor}
 * are divided by {@code factor}, and the band between is interpolated smoothly.
 *
 * @param factor {@code rope_scaling.factor} (8 for Llama 3.1, 32 for Llama 3.2)
 * @param lowFreqFactor {@code rope_scaling.low_freq_factor}
 * @param highFreqFactor {@code rope_scaling.high_freq_factor}, greater than {@code lowFreqFactor}
 * @param originalMaxPositionEmbeddings {@code rope_scaling.original_max_position_embeddings}
 */
public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                int originalMaxPositionEmbeddings) implements RopeScaling {

    /**
     * Rejects values for which the interpolation is undefined; HF transformers only warns, but a
     * zero-width band would divide by zero there too.
     */
    public Llama3RopeScaling {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("llama3 rope_scaling.factor must be positive, got " + factor);
        }
        if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
            throw new IllegalArgumentException("llama3 rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                    + lowFreqFactor + " and " + highFreqFactor);
        }
        if (originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("llama3 rope_scaling.original_max_position_embeddings must be positive, got "
                    + originalMaxPositionEmbeddings);
        }
    }
}
