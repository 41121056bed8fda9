package dev.spruce.kernels;

/**
 * Precomputed rotary-embedding cosines and sines for positions {@code [0, maxPositions)}, in the
 * Hugging Face Llama ("rotate half") convention: element {@code i} of a head pairs with element
 * {@code i + headDim/2}, both rotated by the angle {@code position * invFreq[i]}.
 *
 * <p>Everything is computed in {@code float} in the same order as transformers' float32 tensors
 * ({@code _compute_default_rope_parameters}, {@code _compute_linear_scaling_rope_parameters},
 * {@code _compute_llama3_parameters}, then {@code cos(position * inv_freq)}), so the angles match
 * PyTorch's to the last bit or one ulp (PyTorch's {@code powf} may round differently from
 * {@link Math#pow}). Memory is {@code maxPositions * headDim * 4} bytes: size it to the context
 * actually used, not to {@code max_position_embeddings}.
 */
public final class RopeTable {

    private final int headDim;
    private final int maxPositions;
    private final float[] invFreq;
    /** {@code [maxPositions][headDim / 2]}; package-private so kernels index it without copies. */
    final float[] cos;
    /** Same layout as {@link #cos}. */
    final float[] sin;

    private RopeTable(int headDim, int maxPositions, float[] invFreq) {
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.invFreq = invFreq;
        int half = headDim / 2;
        this.cos = new float[Math.multiplyExact(maxPositions, half)];
        this.sin = new float[cos.length];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                // float32 product as in HF's inv_freq @ position_ids; cos/sin rounded once from double.
                float angle = (float) p * invFreq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /**
     * Builds the table for a head size, a context length, {@code rope_theta} and a scaling.
     *
     * @param headDim rotated dimensions per head, even
     * @param maxPositions number of positions to precompute, positive
     * @param theta {@code rope_theta}, greater than 1
     * @param scaling the {@code rope_scaling}, {@link RopeScaling#none()} when absent
     */
    public static RopeTable create(int headDim, int maxPositions, double theta, RopeScaling scaling) {
        if (maxPositions <= 0) {
            throw new IllegalArgumentException("maxPositions must be positive, got " + maxPositions);
        }
        return new RopeTable(headDim, maxPositions, inverseFrequencies(headDim, theta, scaling));
    }

    /**
     * The {@code headDim / 2} inverse frequencies, exactly as transformers computes {@code inv_freq}
     * in float32 for the given scaling.
     */
    public static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be even and at least 2, got " + headDim);
        }
        if (!(theta > 1) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("rope_theta must be a finite number > 1, got " + theta);
        }
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            // 1.0 / (base ** (arange(0, dim, 2).float() / dim)): every step a float32 operation.
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
        switch (scaling) {
            case NoRopeScaling none -> {
            }
            case LinearRopeScaling linear -> {
                float factor = (float) linear.factor();
                for (int i = 0; i < half; i++) {
                    inv[i] /= factor;
                }
            }
            case Llama3RopeScaling llama3 -> applyLlama3(inv, llama3);
        }
        return inv;
    }

    /**
     * transformers' {@code _compute_llama3_parameters}, line by line; Python scalars meet float32
     * tensors, so each is rounded to float before the operation, as PyTorch does.
     */
    private static void applyLlama3(float[] inv, Llama3RopeScaling s) {
        float factor = (float) s.factor();
        float lowFreqFactor = (float) s.lowFreqFactor();
        float oldContextLen = s.originalMaxPositionEmbeddings();
        float lowFreqWavelen = (float) (s.originalMaxPositionEmbeddings() / s.lowFreqFactor());
        float highFreqWavelen = (float) (s.originalMaxPositionEmbeddings() / s.highFreqFactor());
        float band = (float) (s.highFreqFactor() - s.lowFreqFactor());
        float twoPi = (float) (2 * Math.PI);
        for (int i = 0; i < inv.length; i++) {
            float wavelen = twoPi / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (oldContextLen / wavelen - lowFreqFactor) / band;
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }

    /** Rotated dimensions per head. */
    public int headDim() {
        return headDim;
    }

    /** Number of precomputed positions. */
    public int maxPositions() {
        return maxPositions;
    }

    /** A copy of the inverse frequencies. */
    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /** {@code cos(position * invFreq[i])} for {@code i < headDim / 2}. */
    public float cos(int position, int i) {
        return cos[tableOffset(position) + i];
    }

    /** {@code sin(position * invFreq[i])} for {@code i < headDim / 2}. */
    public float sin(int position, int i) {
        return sin[tableOffset(position) + i];
    }

    /** Index of a position's first entry in {@link #cos} and {@link #sin}, after a range check. */
    int tableOffset(int position) {
        if (position < 0 || position >= maxPositions) {
            throw new IndexOutOfBoundsException("position " + position + " outside the RoPE table [0, "
                    + maxPositions + ")");
        }
        return position * (headDim / 2);
    }
}
