package dev.spruce.eval;

import java.util.List;

/**
 * The token windows a perplexity protocol evaluates.
 *
 * @param protocol     the protocol's name ({@code ts}, {@code wt2})
 * @param seqlen       tokens per window
 * @param windows      non-overlapping windows of {@code seqlen} tokens, each run from position 0
 * @param streamTokens tokens in the whole evaluation stream (the tail shorter than a window is dropped)
 */
public record EvalWindows(String protocol, int seqlen, List<int[]> windows, long streamTokens) {

    /** Cuts {@code stream} into consecutive windows of {@code seqlen}, dropping the tail. */
    public static EvalWindows cut(String protocol, int[] stream, int seqlen) {
        if (seqlen < 2) {
            throw new IllegalArgumentException("windows need at least 2 tokens, got seqlen " + seqlen);
        }
        int n = stream.length / seqlen;
        if (n == 0) {
            throw new IllegalArgumentException("the evaluation text has " + stream.length
                    + " tokens, fewer than one window of " + seqlen);
        }
        int[][] windows = new int[n][];
        for (int i = 0; i < n; i++) {
            windows[i] = java.util.Arrays.copyOfRange(stream, i * seqlen, (i + 1) * seqlen);
        }
        return new EvalWindows(protocol, seqlen, List.of(windows), stream.length);
    }

    /** The first {@code n} windows only (all of them when there are no more than {@code n}). */
    public EvalWindows first(int n) {
        return n >= windows.size() ? this : new EvalWindows(protocol, seqlen, windows.subList(0, n), streamTokens);
    }

    /** Next-token predictions scored: {@code seqlen - 1} per window. */
    public long predictions() {
        return (long) windows.size() * (seqlen - 1);
    }
}
