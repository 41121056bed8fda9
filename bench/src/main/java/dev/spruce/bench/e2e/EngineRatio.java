package dev.spruce.bench.e2e;

/**
 * One engine against another on the same checkpoint, as ratios of medians.
 *
 * @param prefill    prefill tokens/s of {@code engine} ÷ those of {@code over} (above 1: faster)
 * @param decode     decode tokens/s, likewise
 * @param ttft       time to first token of {@code engine} ÷ that of {@code over} (below 1: sooner)
 * @param sameTokens greedy tokens the two generate alike before their first difference
 * @param tokens     greedy tokens each generates
 */
public record EngineRatio(String engine, String over, double prefill, double decode, double ttft, int sameTokens,
                          int tokens) {

    static EngineRatio of(EngineSummary a, EngineSummary b) {
        int same = 0;
        int n = Math.min(a.generated().length, b.generated().length);
        while (same < n && a.generated()[same] == b.generated()[same]) {
            same++;
        }
        return new EngineRatio(a.engine(), b.engine(),
                a.prefillTokensPerSecond().median() / b.prefillTokensPerSecond().median(),
                a.decodeTokensPerSecond().median() / b.decodeTokensPerSecond().median(),
                a.ttftSeconds().median() / b.ttftSeconds().median(), same, n);
    }
}
