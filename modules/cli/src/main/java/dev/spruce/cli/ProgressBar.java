package dev.spruce.cli;

import dev.spruce.checkpoint.WriteProgress;

import java.io.PrintWriter;

/**
 * A progress bar on stderr for long work: percentage, amount done, throughput and time left, in
 * bytes (writes) or in counted units (evaluation windows).
 * On a terminal it redraws one line; otherwise (logs, CI) it prints a line every 10%.
 */
final class ProgressBar implements WriteProgress, AutoCloseable {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private final java.util.function.LongFunction<String> amount;
    private final String rateUnit;
    private String suffix = "";
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label, boolean quiet) {
        this(err, label, quiet, Bytes::human, "/s");
    }

    private ProgressBar(PrintWriter err, String label, boolean quiet, java.util.function.LongFunction<String> amount,
                        String rateUnit) {
        this.err = quiet ? null : err;
        this.label = label;
        this.amount = amount;
        this.rateUnit = rateUnit;
        this.terminal = System.console() != null && System.console().isTerminal();
    }

    /** A bar counting {@code unit}s (e.g. "windows") rather than bytes. */
    static ProgressBar counting(PrintWriter err, String label, boolean quiet, String unit) {
        return new ProgressBar(err, label, quiet, n -> n + " " + unit, " " + unit + "/s");
    }

    /** Extra text shown after the bar (e.g. a running perplexity). */
    void suffix(String text) {
        this.suffix = text;
    }

    @Override
    public void update(long done, long total, String current) {
        if (err == null || total <= 0) {
            return;
        }
        long now = System.nanoTime();
        double fraction = Math.min(1.0, (double) done / total);
        double seconds = (now - start) / 1e9;
        String rate = seconds > 0 ? rateText(done / seconds) : "";
        String left = fraction > 0.01 ? ", " + (long) (seconds / fraction - seconds) + " s left" : "";
        if (terminal) {
            if (now - lastDraw < REDRAW_NANOS && done < total) {
                return;
            }
            lastDraw = now;
            int filled = (int) (fraction * WIDTH);
            err.printf("\r%s [%s%s] %3d%% %s of %s %s%s   ", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                    (int) (fraction * 100), amount.apply(done), amount.apply(total), rate, left + suffix);
            drawn = true;
        } else {
            int decile = (int) (fraction * 10);
            if (decile == lastDecile) {
                return;
            }
            lastDecile = decile;
            err.printf("%s %3d%% %s of %s %s%s%n", label, decile * 10, amount.apply(done), amount.apply(total), rate,
                    left + suffix);
        }
        err.flush();
    }

    private String rateText(double perSecond) {
        return rateUnit.equals("/s") ? Bytes.human((long) perSecond) + "/s"
                : String.format(java.util.Locale.ROOT, "%.1f%s", perSecond, rateUnit);
    }

    @Override
    public void close() {
        if (err != null && drawn) {
            err.println();
            err.flush();
        }
    }
}
