package dev.spruce.model.attention;

/**
 * The knobs of Double Sparsity.
 *
 * @param tokenRatio   tokens attended exactly, as a fraction of the session's context
 *                     ({@code k = ceil(tokenRatio · context)}); ignored when {@code tokens > 0}
 * @param tokens       tokens attended exactly (k), or 0 to use {@code tokenRatio}
 * @param channelRatio key channels in the label cache, as a fraction of the head dimension; ignored
 *                     when {@code channels > 0}
 * @param channels     key channels in the label cache (r), or 0 to use {@code channelRatio}
 * @param labelBits    16 for F32 labels (exact values of the channels), or 4 for labels quantised per
 *                     position (as the paper's label cache)
 * @param denseLayers  the first layers, which stay dense (the paper keeps 2)
 * @param calibration  the channel order per layer and head ({@code calibrate-attention}); null ranks
 *                     channels in their natural order, a test-only stand-in
 */
public record DoubleSparsitySettings(double tokenRatio, int tokens, double channelRatio, int channels, int labelBits,
                                     int denseLayers, ChannelCalibration calibration) {

    public DoubleSparsitySettings {
        Ratios.check("the token ratio", tokenRatio);
        Ratios.check("the channel ratio", channelRatio);
        if (tokens < 0 || channels < 0 || denseLayers < 0) {
            throw new IllegalArgumentException("tokens, channels and dense layers must be >= 0");
        }
        if (labelBits != 4 && labelBits != 16) {
            throw new IllegalArgumentException("label bits must be 4 or 16, got " + labelBits);
        }
    }

    /** Token ratio {@code tokenRatio}, channel ratio {@code channelRatio}, F32 labels, 2 dense layers. */
    public static DoubleSparsitySettings of(double tokenRatio, double channelRatio, ChannelCalibration calibration) {
        return new DoubleSparsitySettings(tokenRatio, 0, channelRatio, 0, 16, 2, calibration);
    }

    /** k for a session of {@code context} positions. */
    public int tokensFor(int context) {
        return tokens > 0 ? tokens : Ratios.of(tokenRatio, context);
    }

    /** r for heads of {@code headDim} channels. */
    public int channelsFor(int headDim) {
        if (channels > headDim) {
            throw new IllegalArgumentException(channels + " label channels for heads of " + headDim);
        }
        return channels > 0 ? channels : Ratios.of(channelRatio, headDim);
    }
}
