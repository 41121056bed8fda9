package dev.spruce.kernels;

import java.util.Objects;

/** Argument checks of {@link AttentionKernels}, shared by both implementations. */
final class AttentionChecks {

    private AttentionChecks() {
    }

    static void checkLabels(float[] q, int qOffset, int channels, int labelsLength, int offset, int rows, int stride,
                            int length, float[] scores) {
        if (channels < 1 || length < 0 || stride < length) {
            throw new IllegalArgumentException("labels need channels >= 1 and stride >= length, got channels="
                    + channels + " stride=" + stride + " length=" + length);
        }
        Objects.checkFromIndexSize(qOffset, channels, q.length);
        Objects.checkFromIndexSize(offset, (rows - 1) * stride + length, labelsLength);
        Objects.checkFromIndexSize(0, length, scores.length);
    }

    static void checkGathered(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int[] positions,
                              int count, float[] scores, float[] out, int outOffset) {
        if (count < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention needs count >= 1 and headDim >= 1, got count=" + count
                    + " headDim=" + headDim);
        }
        Objects.checkFromIndexSize(0, count, positions.length);
        int last = 0;
        for (int j = 0; j < count; j++) {
            if (positions[j] < 0) {
                throw new IndexOutOfBoundsException("position " + positions[j] + " at " + j);
            }
            last = Math.max(last, positions[j]);
        }
        Objects.checkFromIndexSize(qOffset, headDim, q.length);
        keys.checkFits(last + 1, headDim);
        values.checkFits(last + 1, headDim);
        Objects.checkFromIndexSize(0, count, scores.length);
        Objects.checkFromIndexSize(outOffset, headDim, out.length);
    }
}
