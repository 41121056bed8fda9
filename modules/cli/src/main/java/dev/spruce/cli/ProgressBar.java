package dev.spruce.cli;

import dev.spruce.checkpoint.WriteProgress;

import java.io.PrintWriter;

/**
 * A progress bar on stderr for long writes: percentage, bytes, throughput and time left.
 * On a terminal it redraws one line; otherwise (logs, CI) it prints a line every 10%.
 */
final class ProgressBar implements WriteProgress, AutoCloseable {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label, boolean quiet) {
        this.err = quiet ? null : err;
        this.label = label;
        this.terminal = System.console() != null && System.console().isTerminal();
    }

    @Override
    public void update(long done, long total, String current) {
        if (err == null || total <= 0) {
            return;
        }
        long now = System.nanoTime();
        double fraction = Math.min(1.0, (double) done / total);
        double seconds = (now - start) / 1e9;
        String rate = seconds > 0 ? Bytes.human((long) (done / seconds)) + "/s" : "";
        String left = fraction > 0.01 ? ", " + (long) (seconds / fraction - seconds) + " s left" : "";
        if (terminal) {
            if (now - lastDraw < REDRAW_NANOS && done < total) {
                return;
            }
            lastDraw = now;
            int filled = (int) (fraction * WIDTH);
            err.printf("\r%s [%s%s] %3d%% %s of %s %s%s   ", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                    (int) (fraction * 100), Bytes.human(done), Bytes.human(total), rate, left);
            drawn = true;
        } else {
            int decile = (int) (fraction * 10);
            if (decile == lastDecile) {
                return;
            }
            lastDecile = decile;
            err.printf("%s %3d%% %s of %s %s%s%n", label, decile * 10, Bytes.human(done), Bytes.human(total), rate, left);
        }
        err.flush();
    }

    @Override
    public void close() {
        if (err != null && drawn) {
            err.println();
            err.flush();
        }
    }
}
