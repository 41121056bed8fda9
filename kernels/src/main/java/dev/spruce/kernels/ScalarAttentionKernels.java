package dev.spruce.kernels;

import java.util.Arrays;
import java.util.Objects;

/** The scalar twin of {@link SimdAttentionKernels}: the reference its tests compare against. */
final class ScalarAttentionKernels implements AttentionKernels {

    static final ScalarAttentionKernels INSTANCE = new ScalarAttentionKernels();

    private ScalarAttentionKernels() {
    }

    @Override
    public String name() {
        return KernelProvider.SCALAR;
    }

    @Override
    public void labelScores(float[] q, int qOffset, int channels, float[] labels, int offset, int stride, int length,
                            float[] scores) {
        AttentionChecks.checkLabels(q, qOffset, channels, labels.length, offset, channels, stride, length, scores);
        for (int t = 0; t < length; t++) {
            scores[t] = labelScore(q, qOffset, channels, labels, offset, stride, t);
        }
    }

    /** The score of position {@code t} from F32 labels: the SIMD tail computes it with this too. */
    static float labelScore(float[] q, int qOffset, int channels, float[] labels, int offset, int stride, int t) {
        float sum = 0f;
        for (int c = 0; c < channels; c++) {
            sum = Math.fma(q[qOffset + c], labels[offset + c * stride + t], sum);
        }
        return sum;
    }

    @Override
    public void labelScores4(float[] q, int qOffset, int channels, byte[] codes, int offset, int stride, float[] scale,
                             float[] min, int mOffset, int length, float[] scores) {
        AttentionChecks.checkLabels(q, qOffset, channels, codes.length, offset, (channels + 1) / 2, stride, length,
                scores);
        Objects.checkFromIndexSize(mOffset, length, scale.length);
        Objects.checkFromIndexSize(mOffset, length, min.length);
        float qSum = querySum(q, qOffset, channels);
        for (int t = 0; t < length; t++) {
            scores[t] = labelScore4(q, qOffset, channels, codes, offset, stride, scale[mOffset + t], min[mOffset + t],
                    qSum, t);
        }
    }

    /** The score of position {@code t} from 4-bit labels: the SIMD tail computes it with this too. */
    static float labelScore4(float[] q, int qOffset, int channels, byte[] codes, int offset, int stride, float scale,
                             float min, float qSum, int t) {
        float sum = 0f;
        for (int c = 0; c < channels; c++) {
            int b = codes[offset + (c >> 1) * stride + t];
            int code = (c & 1) == 0 ? b & 0xF : (b >> 4) & 0xF;
            sum = Math.fma(q[qOffset + c], (float) code, sum);
        }
        return Math.fma(scale, sum, min * qSum);
    }

    /** {@code sum_c q_c} left to right: both twins use this one. */
    static float querySum(float[] q, int qOffset, int channels) {
        float s = 0f;
        for (int c = 0; c < channels; c++) {
            s += q[qOffset + c];
        }
        return s;
    }

    @Override
    public int selectTop(float[] scores, int length, int k, int[] positions, float[] scratch) {
        TopSelection.check(scores, length, k, positions, scratch);
        if (k == 0) {
            return 0;
        }
        int m = TopSelection.copyNonNaN(scores, length, scratch);
        if (k >= m) {
            return TopSelection.allNonNaN(scores, length, positions);
        }
        float threshold = TopSelection.kthLargest(scratch, m, k);
        int above = TopSelection.countAbove(scores, length, threshold);
        return TopSelection.collect(scores, length, threshold, above, k, positions);
    }

    @Override
    public void gatheredAttention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int[] positions,
                                  int count, float scale, float[] scores, float[] out, int outOffset) {
        AttentionChecks.checkGathered(q, qOffset, headDim, keys, values, positions, count, scores, out, outOffset);
        float[] k = keys.data();
        for (int j = 0; j < count; j++) {
            int kt = keys.start(positions[j]);
            float sum = 0f;
            for (int d = 0; d < headDim; d++) {
                sum = Math.fma(q[qOffset + d], k[kt + d], sum);
            }
            scores[j] = sum * scale;
        }
        ScalarKernels.INSTANCE.softmax(scores, 0, count);
        float[] v = values.data();
        Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        for (int j = 0; j < count; j++) {
            float p = scores[j];
            int vt = values.start(positions[j]);
            for (int d = 0; d < headDim; d++) {
                out[outOffset + d] = Math.fma(p, v[vt + d], out[outOffset + d]);
            }
        }
    }
}
