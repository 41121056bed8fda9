package dev.spruce.model;

/**
 * One decoder block ready to run: norm scales widened to floats, linears bound to their kernels.
 *
 * <p>A dense block reads and writes a residual stream of the model's hidden size. A SliceGPT-sliced
 * block may read a narrower one, and carries two shortcut linears that rotate the residual across
 * each sub-layer: {@code x ← S_attn·x + o_proj(...)}, then {@code x ← S_mlp·x + down_proj(...)}. The
 * shortcuts are {@code [out][in]} linears (the transpose of SliceGPT's {@code attn_shortcut_Q} and
 * {@code mlp_shortcut_Q}, which multiply a row vector from the right); {@code null} means the
 * identity, and then the sub-layer's output width must equal its input width.
 *
 * <p>A norm narrower than the hidden size is SliceGPT's weightless RMSN over the full-width
 * residual (the sliced coordinates count as zeros): its scale is {@link #weightlessNorm} and the
 * forward pass scales epsilon to match (see {@link Transformer}).
 *
 * @param attnShortcut the residual's rotation across attention, or null (identity)
 * @param mlpShortcut  the residual's rotation across the MLP, or null (identity)
 */
public record DecoderLayer(float[] inputNorm, Linear q, Linear k, Linear v, Linear o, float[] postAttentionNorm,
                           Linear gate, Linear up, Linear down, Linear attnShortcut, Linear mlpShortcut) {

    /** Checks that the block's widths chain, so a forward pass cannot read past a sub-layer's output. */
    public DecoderLayer {
        int in = inputNorm.length;
        int mid = postAttentionNorm.length;
        for (Linear l : new Linear[] {q, k, v}) {
            require(l.inFeatures() == in, l.name() + " reads " + l.inFeatures() + " features, the input norm has " + in);
        }
        require(o.outFeatures() == mid, o.name() + " writes " + o.outFeatures()
                + " features, the post-attention norm has " + mid);
        shortcut(attnShortcut, in, mid, "attention");
        require(gate.inFeatures() == mid && up.inFeatures() == mid, gate.name() + " and " + up.name() + " read "
                + gate.inFeatures() + " and " + up.inFeatures() + " features, the post-attention norm has " + mid);
        require(gate.outFeatures() == up.outFeatures() && down.inFeatures() == up.outFeatures(), "the MLP's widths"
                + " do not chain: gate " + gate.outFeatures() + ", up " + up.outFeatures() + ", down reads " + down.inFeatures());
        shortcut(mlpShortcut, mid, down.outFeatures(), "MLP");
    }

    /** A dense block: the residual keeps its width and passes each sub-layer unrotated. */
    public DecoderLayer(float[] inputNorm, Linear q, Linear k, Linear v, Linear o, float[] postAttentionNorm,
                        Linear gate, Linear up, Linear down) {
        this(inputNorm, q, k, v, o, postAttentionNorm, gate, up, down, null, null);
    }

    private static void shortcut(Linear s, int in, int out, String where) {
        if (s == null) {
            require(in == out, "without a shortcut matrix the residual around " + where + " keeps its width, but "
                    + in + " features go in and " + out + " come out");
        } else {
            require(s.inFeatures() == in && s.outFeatures() == out, s.name() + " maps " + s.inFeatures() + " → "
                    + s.outFeatures() + " features, the residual around " + where + " needs " + in + " → " + out);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * The scale of a weightless norm over {@code width} of a {@code hiddenSize}-wide residual:
     * {@code sqrt(hiddenSize / width)} everywhere. With epsilon scaled by {@code hiddenSize / width},
     * the kernel's {@code w·x / sqrt(Σx²/width + ε')} is exactly SliceGPT's
     * {@code x / sqrt(Σx²/hiddenSize + ε)}; at full width the scale is 1 and nothing changes.
     */
    public static float[] weightlessNorm(int width, int hiddenSize) {
        if (width < 1 || width > hiddenSize) {
            throw new IllegalArgumentException("a norm over " + width + " of " + hiddenSize + " features");
        }
        float[] w = new float[width];
        java.util.Arrays.fill(w, (float) Math.sqrt((double) hiddenSize / width));
        return w;
    }

    /** The linear playing {@code role}. */
    public Linear linear(LinearRole role) {
        return switch (role) {
            case Q -> q;
            case K -> k;
            case V -> v;
            case O -> o;
            case GATE -> gate;
            case UP -> up;
            case DOWN -> down;
        };
    }

    /** Width of the residual the block reads. */
    public int inputWidth() {
        return inputNorm.length;
    }

    /** Width of the residual between attention and the MLP. */
    public int middleWidth() {
        return postAttentionNorm.length;
    }

    /** Width of the residual the block writes. */
    public int outputWidth() {
        return down.outFeatures();
    }

    /** Bytes of weights a pass through the block reads. */
    public long weightBytes() {
        long sum = (long) (inputNorm.length + postAttentionNorm.length) * Float.BYTES;
        for (LinearRole r : LinearRole.values()) {
            sum += linear(r).weightBytes();
        }
        if (attnShortcut != null) {
            sum += attnShortcut.weightBytes();
        }
        if (mlpShortcut != null) {
            sum += mlpShortcut.weightBytes();
        }
        return sum;
    }
}
