package dev.spruce.compress.slice;

/**
 * What SliceGPT does.
 *
 * @param slicing       fraction of the residual stream's directions to remove, in [0, 1)
 * @param roundInterval the kept width is rounded down to a multiple of this (SliceGPT's default 8,
 *                      which keeps matrix rows a whole number of SIMD vectors)
 * @param chunk         tokens per forward call during calibration (scratch memory grows with it)
 */
public record SliceOptions(double slicing, int roundInterval, int chunk) {

    public SliceOptions {
        if (!(slicing >= 0 && slicing < 1)) {
            throw new IllegalArgumentException("slicing must be in [0, 1): the fraction of the hidden dimensions to"
                    + " remove, e.g. 0.25; got " + slicing);
        }
        if (roundInterval < 1 || chunk < 1) {
            throw new IllegalArgumentException("the round interval and the chunk must be ≥ 1");
        }
    }

    /** {@code slicing} with SliceGPT's rounding to multiples of 8 and 512-token chunks. */
    public static SliceOptions of(double slicing) {
        return new SliceOptions(slicing, 8, 512);
    }

    /**
     * The kept width {@code d' = floor((1 − s)·D / r)·r} for a hidden size {@code D}, as SliceGPT
     * computes it ({@code int((1 − s)·D)} rounded down to the interval).
     *
     * @throws IllegalArgumentException when fewer than {@code r} directions would remain
     */
    public int dimension(int hiddenSize) {
        int d = (int) ((1 - slicing) * hiddenSize);
        d -= d % roundInterval;
        if (d < roundInterval) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "slicing %s of hidden_size %d"
                    + " leaves d' = floor((1 - %s)·%d / %d)·%d = %d dimensions; at least %d must remain",
                    slicing, hiddenSize, slicing, hiddenSize, roundInterval, roundInterval, d, roundInterval));
        }
        return d;
    }
}
