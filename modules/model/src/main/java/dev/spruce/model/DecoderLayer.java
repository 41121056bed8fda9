package dev.spruce.model;

/**
 * One decoder block ready to run: norm scales widened to floats, linears bound to their kernels.
 */
public record DecoderLayer(float[] inputNorm, Linear q, Linear k, Linear v, Linear o, float[] postAttentionNorm,
                           Linear gate, Linear up, Linear down) {

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

    /** Bytes of weights a pass through the block reads. */
    public long weightBytes() {
        long sum = (long) (inputNorm.length + postAttentionNorm.length) * Float.BYTES;
        for (LinearRole r : LinearRole.values()) {
            sum += linear(r).weightBytes();
        }
        return sum;
    }
}
