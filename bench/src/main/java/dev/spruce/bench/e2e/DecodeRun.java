package dev.spruce.bench.e2e;

/**
 * One timed greedy generation: a prompt prefilled at once, then decode steps each feeding back the
 * argmax of the previous logits.
 *
 * @param promptTokens  tokens in the prompt
 * @param prefillSeconds the prompt's forward pass, up to its last logits
 * @param ttftSeconds   time to first token: the prefill plus picking the first token
 * @param decodeSteps   decode steps after the first token
 * @param decodeSeconds all decode steps, each including its argmax
 * @param generated     the first token and one per decode step
 */
public record DecodeRun(int promptTokens, double prefillSeconds, double ttftSeconds, int decodeSteps,
                        double decodeSeconds, int[] generated) {

    public double prefillTokensPerSecond() {
        return promptTokens / prefillSeconds;
    }

    public double decodeTokensPerSecond() {
        return decodeSteps / decodeSeconds;
    }
}
