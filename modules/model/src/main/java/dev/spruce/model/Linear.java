package dev.spruce.model;

/**
 * A linear layer {@code y = W x (+ b)} with {@code W} of shape {@code [outFeatures][inFeatures]}.
 * Implementations differ in how {@code W} is stored ({@link DenseLinear}, {@link SparseLinear}); callers see
 * only this.
 */
public interface Linear {

    /** The weight's tensor name, for messages and reports. */
    String name();

    int inFeatures();

    int outFeatures();

    /** Bytes of weights one full application reads (the decode roofline's numerator). */
    long weightBytes();

    /**
     * {@code out[b * outFeatures + r] = W[r] · x[b * inFeatures ..] (+ bias[r])} for
     * {@code b < batch} and rows {@code r} in {@code [rowStart, rowEnd)}; threads split the rows.
     */
    void apply(float[] x, int batch, float[] out, int rowStart, int rowEnd);

    /** {@code out[b * rows + r] += bias[r]} for every batch item and {@code r} in {@code [rowStart, rowEnd)}; nothing when {@code bias} is null. */
    static void addBias(float[] bias, float[] out, int rows, int batch, int rowStart, int rowEnd) {
        if (bias == null) {
            return;
        }
        for (int b = 0; b < batch; b++) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[b * rows + r] += bias[r];
            }
        }
    }
}
