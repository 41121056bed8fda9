package dev.spruce.model.generation;

/**
 * What a generation produced and how fast.
 *
 * @param text             the new text (without the prompt or a stop string)
 * @param promptTokens     tokens in the prompt
 * @param generatedTokens  new tokens sampled, EOS included
 * @param reason           why it ended
 * @param firstTokenNanos  from the start to the first new token (prefill and one sample)
 * @param decodeNanos      from the first new token to the last
 */
public record GenerationResult(String text, int promptTokens, int generatedTokens, StopReason reason,
                               long firstTokenNanos, long decodeNanos) {

    /** Decode speed: tokens after the first per second of decode time (NaN if fewer than two). */
    public double decodeTokensPerSecond() {
        return generatedTokens < 2 || decodeNanos <= 0 ? Double.NaN : (generatedTokens - 1) * 1e9 / decodeNanos;
    }

    /** Prefill speed: prompt tokens per second of time to first token. */
    public double prefillTokensPerSecond() {
        return firstTokenNanos <= 0 ? Double.NaN : promptTokens * 1e9 / firstTokenNanos;
    }
}
