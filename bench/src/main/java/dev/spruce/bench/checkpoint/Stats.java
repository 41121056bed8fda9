package dev.spruce.bench.checkpoint;

import java.util.Arrays;
import java.util.Locale;

/** Min / median / max of repeated measurements, so the machine's noise is shown with every figure. */
public record Stats(double min, double median, double max) {

    public static Stats of(double[] samples) {
        double[] s = samples.clone();
        Arrays.sort(s);
        return new Stats(s[0], s[s.length / 2], s[s.length - 1]);
    }

    public String format(String unit) {
        return String.format(Locale.ROOT, "min %.3f / median %.3f / max %.3f %s", min, median, max, unit);
    }
}
