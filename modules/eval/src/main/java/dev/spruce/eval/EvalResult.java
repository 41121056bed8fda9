package dev.spruce.eval;

/**
 * A perplexity measurement.
 *
 * @param protocol     {@code ts} or {@code wt2}
 * @param perplexity   exp of the mean over windows of each window's mean next-token NLL
 * @param windows      windows evaluated
 * @param seqlen       tokens per window
 * @param predictions  next-token predictions scored, one per token run ({@code windows × (seqlen − 1)}; the
 *                     last token of a window is only a target)
 * @param seconds      wall time of the model runs
 */
public record EvalResult(String protocol, double perplexity, int windows, int seqlen, long predictions,
                         double seconds) {

    /** Tokens run through the model per second. */
    public double tokensPerSecond() {
        return predictions / seconds;
    }
}
