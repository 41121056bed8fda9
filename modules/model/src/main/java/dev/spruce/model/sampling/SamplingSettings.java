package dev.spruce.model.sampling;

/**
 * How the next token is chosen from the logits, as in Hugging Face {@code generate}: the
 * repetition penalty first, then temperature, top-k and top-p (nucleus), then a seeded draw.
 * Temperature 0 means greedy (argmax), which ignores the other filters.
 *
 * @param temperature       0 for greedy, otherwise the logits are divided by it (> 0)
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              keep the smallest set whose probability reaches p; 1 keeps all
 * @param repetitionPenalty 1 for none; above 1 discourages tokens already in the sequence (CTRL's rule)
 * @param seed              the random seed of the draws
 */
public record SamplingSettings(double temperature, int topK, double topP, double repetitionPenalty, long seed) {

    /** Greedy decoding. */
    public static final SamplingSettings GREEDY = new SamplingSettings(0, 0, 1, 1, 0);

    public SamplingSettings {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number ≥ 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be ≥ 0 (0 = no limit), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be a finite number > 0, got " + repetitionPenalty);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
