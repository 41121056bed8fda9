package dev.spruce.model.attention;

import dev.spruce.kernels.AttentionKernels;

/**
 * Double Sparsity's label cache for one query head of one layer: the head's {@code r} most
 * important key channels of every cached position, channel-major ({@code [channel][position]}) so
 * scoring runs along positions. In 16-bit mode the labels are the exact F32 channel values; in
 * 4-bit mode each position's r values are quantised together (asymmetric round-to-nearest, a
 * float scale and minimum per position) and two channels share a byte.
 */
final class LabelCache {

    private final int[] channels;
    private final int maxPositions;
    private final boolean fourBit;
    private final float[] labels;
    private final byte[] codes;
    private final float[] scale;
    private final float[] min;

    /**
     * @param channels the key channels kept, most important first
     * @param bits     16 (F32 labels) or 4
     */
    LabelCache(int[] channels, int maxPositions, int bits) {
        this.channels = channels.clone();
        this.maxPositions = maxPositions;
        this.fourBit = bits == 4;
        int r = channels.length;
        labels = fourBit ? null : new float[r * maxPositions];
        codes = fourBit ? new byte[(r + 1) / 2 * maxPositions] : null;
        scale = fourBit ? new float[maxPositions] : null;
        min = fourBit ? new float[maxPositions] : null;
    }

    int channels() {
        return channels.length;
    }

    /** Stores the label of {@code position} from its key at {@code key[offset .. + headDim)}. */
    void store(int position, float[] key, int offset) {
        int r = channels.length;
        if (!fourBit) {
            for (int c = 0; c < r; c++) {
                labels[c * maxPositions + position] = key[offset + channels[c]];
            }
            return;
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < r; c++) {
            float x = key[offset + channels[c]];
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        float step = (hi - lo) / 15f;
        float inverse = step == 0f ? 0f : 1f / step;
        scale[position] = step;
        min[position] = lo;
        for (int c = 0; c < r; c++) {
            int code = Math.clamp(Math.round((key[offset + channels[c]] - lo) * inverse), 0, 15);
            int at = (c >> 1) * maxPositions + position;
            codes[at] = (byte) ((c & 1) == 0 ? (codes[at] & 0xF0) | code : (codes[at] & 0x0F) | (code << 4));
        }
    }

    /**
     * Approximate scores of positions {@code [0, length)} against the query at {@code q[qOffset ..]}
     * (its label channels are gathered into {@code qLabel}).
     */
    void score(AttentionKernels kernels, float[] q, int qOffset, int length, float[] qLabel, float[] scores) {
        int r = channels.length;
        for (int c = 0; c < r; c++) {
            qLabel[c] = q[qOffset + channels[c]];
        }
        if (fourBit) {
            kernels.labelScores4(qLabel, 0, r, codes, 0, maxPositions, scale, min, 0, length, scores);
        } else {
            kernels.labelScores(qLabel, 0, r, labels, 0, maxPositions, length, scores);
        }
    }

    /** Bytes held per position. */
    long bytesPerPosition() {
        int r = channels.length;
        return fourBit ? (r + 1) / 2 + 2L * Float.BYTES : (long) r * Float.BYTES;
    }
}
