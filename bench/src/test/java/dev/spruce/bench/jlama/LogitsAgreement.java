package dev.spruce.bench.jlama;

import java.util.Locale;

/**
 * How far one engine's logits are from a reference's, position by position: the largest
 * {@code |a - b|} over the vocabulary divided by the largest {@code |b|} at that position.
 *
 * @param position the position where the ratio is largest
 * @param ratio    that largest ratio
 * @param maxDiff  {@code max |a - b|} at that position
 * @param scale    {@code max |b|} at that position
 * @param token    the vocabulary index where {@code |a - b|} is largest at that position
 * @param actual   {@code a} there
 * @param expected {@code b} there
 */
record LogitsAgreement(int position, double ratio, double maxDiff, double scale, int token, float actual,
                       float expected) {

    /**
     * Compares {@code actual[firstPosition ..]} against {@code expected}, both {@code [positions][vocab]}.
     *
     * @param firstPosition the position of {@code actual}'s first row
     */
    static LogitsAgreement worst(float[] expected, float[] actual, int firstPosition, int vocab) {
        LogitsAgreement worst = null;
        for (int row = 0; row < actual.length / vocab; row++) {
            int p = firstPosition + row;
            double diff = -1, scale = 0;
            int at = 0;
            for (int i = 0; i < vocab; i++) {
                float b = expected[p * vocab + i];
                double d = Math.abs(actual[row * vocab + i] - b);
                scale = Math.max(scale, Math.abs(b));
                if (d > diff || Double.isNaN(d)) {
                    diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                    at = i;
                }
            }
            double ratio = scale == 0 ? (diff == 0 ? 0 : Double.POSITIVE_INFINITY) : diff / scale;
            if (worst == null || ratio > worst.ratio) {
                worst = new LogitsAgreement(p, ratio, diff, scale, at, actual[row * vocab + at], expected[p * vocab + at]);
            }
        }
        return worst;
    }

    String describe() {
        return String.format(Locale.ROOT, "worst at position %d: max|a-b| = %.3g = %.3g x max|b| (%.4g); token %d: %.7g vs %.7g",
                position, maxDiff, ratio, scale, token, actual, expected);
    }
}
