package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

import static dev.spruce.kernels.KernelChecks.checkArray;
import static dev.spruce.kernels.KernelChecks.checkWeights;

/**
 * The scalar twin: the reference every {@code SimdKernels} kernel is tested against, and the
 * fallback where the Vector API is missing. Sums accumulate left to right with
 * {@link Math#fma}, as each SIMD lane does, so the twins differ only in summation order.
 */
final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return KernelProvider.SCALAR;
    }

    @Override
    public int vectorBits() {
        return Float.SIZE;
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        checkArray(a, aOffset, length);
        checkArray(b, bOffset, length);
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    @Override
    public float dotF32(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.F32);
        checkArray(x, xOffset, length);
        return rowDotF32(w, wIndex, x, xOffset, length);
    }

    @Override
    public float dotBf16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.BF16);
        checkArray(x, xOffset, length);
        return rowDotBf16(w, wIndex, x, xOffset, length);
    }

    @Override
    public float dotF16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        checkWeights(w, wIndex, length, WeightDtype.F16);
        checkArray(x, xOffset, length);
        return rowDotF16(w, wIndex, x, xOffset, length);
    }

    private static float rowDotF32(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum = Math.fma(w.getAtIndex(F32_LE, wIndex + i), x[xOffset + i], sum);
        }
        return sum;
    }

    private static float rowDotBf16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum = Math.fma(FloatFormats.bf16ToFloat(w.getAtIndex(U16_LE, wIndex + i)), x[xOffset + i], sum);
        }
        return sum;
    }

    private static float rowDotF16(MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum = Math.fma(FloatFormats.f16ToFloat(w.getAtIndex(U16_LE, wIndex + i)), x[xOffset + i], sum);
        }
        return sum;
    }

    private static float rowDot(WeightDtype dtype, MemorySegment w, long wIndex, float[] x, int xOffset, int length) {
        return switch (dtype) {
            case F32 -> rowDotF32(w, wIndex, x, xOffset, length);
            case BF16 -> rowDotBf16(w, wIndex, x, xOffset, length);
            case F16 -> rowDotF16(w, wIndex, x, xOffset, length);
        };
    }

    @Override
    public void toFloats(WeightDtype dtype, MemorySegment w, long wIndex, float[] out, int outOffset, int length) {
        checkWeights(w, wIndex, length, dtype);
        checkArray(out, outOffset, length);
        for (int i = 0; i < length; i++) {
            out[outOffset + i] = switch (dtype) {
                case F32 -> w.getAtIndex(F32_LE, wIndex + i);
                case BF16 -> FloatFormats.bf16ToFloat(w.getAtIndex(U16_LE, wIndex + i));
                case F16 -> FloatFormats.f16ToFloat(w.getAtIndex(U16_LE, wIndex + i));
            };
        }
    }

    @Override
    public void addScaled(WeightDtype dtype, MemorySegment w, long wIndex, float a, float[] out, int outOffset,
                          int length) {
        checkWeights(w, wIndex, length, dtype);
        checkArray(out, outOffset, length);
        for (int i = 0; i < length; i++) {
            out[outOffset + i] = Math.fma(a, weightAt(dtype, w, wIndex + i), out[outOffset + i]);
        }
    }

    /** One weight widened to float. */
    static float weightAt(WeightDtype dtype, MemorySegment w, long index) {
        return switch (dtype) {
            case F32 -> w.getAtIndex(F32_LE, index);
            case BF16 -> FloatFormats.bf16ToFloat(w.getAtIndex(U16_LE, index));
            case F16 -> FloatFormats.f16ToFloat(w.getAtIndex(U16_LE, index));
        };
    }

    @Override
    public void addScaled(double[] target, int t, double[] source, int o, double c, int from, int to) {
        KernelChecks.checkDoubleRange(target, t, source, from, to, o);
        for (int j = from; j < to; j++) {
            target[t + j] = Math.fma(c, source[o + j], target[t + j]);
        }
    }

    @Override
    public void addScaled4(double[] target, int t, double[] source, int o0, int o1, int o2, int o3,
                           double c0, double c1, double c2, double c3, int from, int to) {
        KernelChecks.checkDoubleRange(target, t, source, from, to, o0, o1, o2, o3);
        for (int j = from; j < to; j++) {
            target[t + j] = addScaled4At(target, t, source, o0, o1, o2, o3, c0, c1, c2, c3, j);
        }
    }

    /** One element of {@link #addScaled4}, shared with the SIMD tail. */
    static double addScaled4At(double[] target, int t, double[] s, int o0, int o1, int o2, int o3,
                               double c0, double c1, double c2, double c3, int j) {
        return Math.fma(c3, s[o3 + j], Math.fma(c2, s[o2 + j], Math.fma(c1, s[o1 + j], Math.fma(c0, s[o0 + j],
                target[t + j]))));
    }

    @Override
    public void matvec(DenseMatrix w, float[] x, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatvec(w, x, out, rowStart, rowEnd);
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(w.dtype(), w.data(), w.rowIndex(r), x, 0, w.cols());
        }
    }

    @Override
    public void matmul(DenseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatmul(w, x, batch, out, rowStart, rowEnd);
        int rows = w.rows();
        int cols = w.cols();
        for (int r = rowStart; r < rowEnd; r++) {
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = rowDot(w.dtype(), w.data(), w.rowIndex(r), x, b * cols, cols);
            }
        }
    }

    @Override
    public void sparseMatvec(SparseMatrix w, float[] x, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatvec(w, x, out, rowStart, rowEnd);
        ScalarSparseKernels.matvec(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void sparseMatmul(SparseMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        KernelChecks.checkMatmul(w, x, batch, out, rowStart, rowEnd);
        ScalarSparseKernels.matmul(w, x, batch, out, rowStart, rowEnd);
    }

    @Override
    public void sparseRowToFloats(SparseMatrix w, int row, float[] out, int outOffset) {
        java.util.Objects.checkIndex(row, w.rows());
        KernelChecks.checkArray(out, outOffset, w.cols());
        ScalarSparseKernels.rowToFloats(w, row, out, outOffset);
    }

    @Override
    public void rmsNorm(float[] x, int xOffset, float[] weight, float eps, float[] out, int outOffset, int length) {
        checkArray(x, xOffset, length);
        checkArray(weight, 0, length);
        checkArray(out, outOffset, length);
        float sumSquares = 0f;
        for (int i = 0; i < length; i++) {
            float v = x[xOffset + i];
            sumSquares = Math.fma(v, v, sumSquares);
        }
        float scale = rmsScale(sumSquares, length, eps);
        for (int i = 0; i < length; i++) {
            out[outOffset + i] = weight[i] * (x[xOffset + i] * scale);
        }
    }

    /** {@code 1 / sqrt(mean + eps)} in float as PyTorch's {@code torch.rsqrt(variance + eps)}; shared by both twins. */
    static float rmsScale(float sumSquares, int length, float eps) {
        float mean = sumSquares / length;
        return 1f / (float) Math.sqrt(mean + eps);
    }

    @Override
    public void rope(RopeTable table, int position, float[] x, int xOffset, int heads) {
        KernelChecks.checkRope(table, position, x, xOffset, heads);
        int headDim = table.headDim();
        int half = headDim / 2;
        int t = table.tableOffset(position);
        float[] cos = table.cos;
        float[] sin = table.sin;
        for (int h = 0; h < heads; h++) {
            int lo = xOffset + h * headDim;
            int hi = lo + half;
            for (int i = 0; i < half; i++) {
                float a = x[lo + i];
                float b = x[hi + i];
                float c = cos[t + i];
                float s = sin[t + i];
                // x*cos + rotate_half(x)*sin with rotate_half(x) = [-b, a].
                x[lo + i] = Math.fma(a, c, -(b * s));
                x[hi + i] = Math.fma(b, c, a * s);
            }
        }
    }

    @Override
    public void siluMul(float[] gate, int gateOffset, float[] up, int upOffset, float[] out, int outOffset, int length) {
        checkArray(gate, gateOffset, length);
        checkArray(up, upOffset, length);
        checkArray(out, outOffset, length);
        for (int i = 0; i < length; i++) {
            float g = gate[gateOffset + i];
            out[outOffset + i] = g / (1f + (float) Math.exp(-g)) * up[upOffset + i];
        }
    }

    @Override
    public void softmax(float[] x, int from, int to) {
        Objects.checkFromToIndex(from, to, x.length);
        if (from == to) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = from; i < to; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        for (int i = from; i < to; i++) {
            x[i] = x[i] / sum;
        }
    }

    @Override
    public void attention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int length, float scale,
                          float[] scores, float[] out, int outOffset) {
        KernelChecks.checkAttention(q, qOffset, headDim, keys, values, length, scores, out, outOffset);
        float[] k = keys.data();
        for (int t = 0; t < length; t++) {
            int kt = keys.start(t);
            float sum = 0f;
            for (int d = 0; d < headDim; d++) {
                sum = Math.fma(q[qOffset + d], k[kt + d], sum);
            }
            scores[t] = sum * scale;
        }
        softmax(scores, 0, length);
        float[] v = values.data();
        Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        for (int t = 0; t < length; t++) {
            float p = scores[t];
            int vt = values.start(t);
            for (int d = 0; d < headDim; d++) {
                out[outOffset + d] = Math.fma(p, v[vt + d], out[outOffset + d]);
            }
        }
    }

    /** Head after head, each over the whole cache, the scores of each in {@code scores[0 .. length)}. */
    @Override
    public void groupedAttention(float[] q, int qOffset, int heads, int headDim, KvRows keys, KvRows values,
                                 int length, float scale, float[] scores, float[] out, int outOffset) {
        KernelChecks.checkGroupedAttention(q, qOffset, heads, headDim, keys, values, length, scores, out, outOffset);
        for (int h = 0; h < heads; h++) {
            attention(q, qOffset + h * headDim, headDim, keys, values, length, scale, scores, out,
                    outOffset + h * headDim);
        }
    }

    @Override
    public int argmax(float[] x, int from, int to) {
        Objects.checkFromToIndex(from, to, x.length);
        int best = from;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            if (x[i] > bestValue) {
                bestValue = x[i];
                best = i;
            }
        }
        return best;
    }

    @Override
    public int topK(float[] x, int from, int to, int k, int[] indices) {
        KernelChecks.checkTopK(x, from, to, k, indices);
        int capacity = Math.min(k, to - from);
        int size = 0;
        if (capacity == 0) {
            return 0;
        }
        for (int i = from; i < to; i++) {
            size = TopKHeap.offer(x, indices, size, capacity, i);
        }
        TopKHeap.sortBestFirst(x, indices, size);
        return size;
    }
}
