package dev.spruce.compress.pipeline;

/**
 * Perplexity measured before and after pruning in the same run.
 *
 * @param protocol {@code ts} or {@code wt2}
 * @param windows  windows evaluated
 * @param complete whether that is the protocol's full set
 */
public record PerplexityInfo(String protocol, int windows, int seqlen, boolean complete, double before, double after) {
}
