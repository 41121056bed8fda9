package dev.spruce.bench.e2e;

import dev.spruce.bench.checkpoint.Stats;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** Prints a {@link ModelComparison} as a table: one column per engine (min / median / max), then the ratios. */
final class ComparisonTable {

    private static final String ROW = "  %-26s";
    private static final String CELL = "%-28s";
    private static final String RATIO = "%-18s";

    private ComparisonTable() {
    }

    static void print(ModelComparison c, int threads, PrintStream out) {
        out.printf(Locale.ROOT, "%n%s: %.3f GB of weights read per decode step; read bandwidth, %d threads: %s GB/s%n",
                c.model(), c.weightBytesPerToken() / 1e9, threads, triple(c.bandwidthGBps(), "%.2f"));
        out.printf(Locale.ROOT, ROW, "(min / median / max)");
        c.engines().forEach(e -> out.printf(Locale.ROOT, CELL, e.engine()));
        c.ratios().forEach(r -> out.printf(Locale.ROOT, RATIO, r.engine() + "/" + r.over()));
        out.println();
        row(out, "timed runs", c, e -> Integer.toString(e.runs()), null);
        row(out, "system load before/after", c, e -> String.format(Locale.ROOT, "%.1f / %.1f", e.systemLoad()[0],
                e.systemLoad()[1]), null);
        row(out, "model load (s)", c, e -> String.format(Locale.ROOT, "%.2f", e.loadSeconds()), null);
        row(out, "prefill (tok/s)", c, e -> triple(e.prefillTokensPerSecond(), "%.1f"), EngineRatio::prefill);
        row(out, "decode (tok/s)", c, e -> triple(e.decodeTokensPerSecond(), "%.2f"), EngineRatio::decode);
        row(out, "first token (ms)", c, e -> triple(scaled(e.ttftSeconds(), 1e3), "%.0f"), EngineRatio::ttft);
        row(out, "decode roofline (%)", c, e -> triple(scaled(e.decodeRoofline(), 100), "%.1f"), null);
        for (EngineRatio r : c.ratios()) {
            out.printf(Locale.ROOT, "  greedy tokens: %s and %s agree on the first %d of %d%n", r.engine(), r.over(),
                    r.sameTokens(), r.tokens());
        }
    }

    /** One figure per engine, then (when {@code ratio} is given) one ratio per other engine. */
    private static void row(PrintStream out, String name, ModelComparison c, Function<EngineSummary, String> cell,
                            ToDoubleFunction<EngineRatio> ratio) {
        out.printf(Locale.ROOT, ROW, name);
        c.engines().forEach(e -> out.printf(Locale.ROOT, CELL, cell.apply(e)));
        if (ratio != null) {
            c.ratios().forEach(r -> out.printf(Locale.ROOT, RATIO,
                    String.format(Locale.ROOT, "%.2fx", ratio.applyAsDouble(r))));
        }
        out.println();
    }

    private static String triple(Stats s, String number) {
        return String.format(Locale.ROOT, number + " / " + number + " / " + number, s.min(), s.median(), s.max());
    }

    private static Stats scaled(Stats s, double factor) {
        return new Stats(s.min() * factor, s.median() * factor, s.max() * factor);
    }
}
