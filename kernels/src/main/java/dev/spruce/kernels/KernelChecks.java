package dev.spruce.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Argument checks shared by both implementations, done once per call so a bad range fails
 * before any output is written, with the same message whichever implementation runs.
 */
final class KernelChecks {

    private KernelChecks() {
    }

    static void checkArray(float[] a, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, a.length);
    }

    static void checkWeights(MemorySegment w, long index, int length, WeightDtype dtype) {
        long size = w.byteSize() / dtype.byteSize();
        if (index < 0 || length < 0 || index > size - length) {
            throw new IndexOutOfBoundsException("weights [" + index + ", " + (index + length) + ") outside a "
                    + dtype + " segment of " + size + " elements");
        }
    }

    static void checkMatvec(WeightMatrix w, float[] x, float[] out, int rowStart, int rowEnd) {
        Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        checkArray(x, 0, w.cols());
        checkArray(out, 0, w.rows());
    }

    static void checkMatmul(WeightMatrix w, float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        checkArray(x, 0, Math.multiplyExact(batch, w.cols()));
        checkArray(out, 0, Math.multiplyExact(batch, w.rows()));
    }

    static void checkRope(RopeTable table, int position, float[] x, int xOffset, int heads) {
        table.tableOffset(position);
        checkArray(x, xOffset, Math.multiplyExact(heads, table.headDim()));
    }

    static void checkAttention(float[] q, int qOffset, int headDim, KvRows keys, KvRows values, int length,
                               float[] scores, float[] out, int outOffset) {
        if (length < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention needs length >= 1 and headDim >= 1, got length=" + length
                    + " headDim=" + headDim);
        }
        checkArray(q, qOffset, headDim);
        keys.checkFits(length, headDim);
        values.checkFits(length, headDim);
        checkArray(scores, 0, length);
        checkArray(out, outOffset, headDim);
    }

    static void checkGroupedAttention(float[] q, int qOffset, int heads, int headDim, KvRows keys, KvRows values,
                                      int length, float[] scores, float[] out, int outOffset) {
        if (heads < 1) {
            throw new IllegalArgumentException("grouped attention needs heads >= 1, got " + heads);
        }
        checkAttention(q, qOffset, headDim, keys, values, length, scores, out, outOffset);
        checkArray(q, qOffset, Math.multiplyExact(heads, headDim));
        checkArray(scores, 0, Math.multiplyExact(heads, length));
        checkArray(out, outOffset, Math.multiplyExact(heads, headDim));
    }

    static void checkTopK(float[] x, int from, int to, int k, int[] indices) {
        Objects.checkFromToIndex(from, to, x.length);
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        int needed = Math.min(k, to - from);
        if (indices.length < needed) {
            throw new IndexOutOfBoundsException("indices holds " + indices.length + " but top-" + k + " of "
                    + (to - from) + " values needs " + needed);
        }
    }

    /** Throws unless {@code target[t + from .. t + to)} and {@code source[o + from .. o + to)} exist. */
    static void checkDoubleRange(double[] target, int t, double[] source, int from, int to, int o) {
        if (from < 0 || to < from || (long) t + to > target.length || t + from < 0) {
            throw new IndexOutOfBoundsException("target range [" + (t + from) + ", " + (t + to) + ") of " + target.length);
        }
        if ((long) o + to > source.length || o + from < 0) {
            throw new IndexOutOfBoundsException("source range [" + (o + from) + ", " + (o + to) + ") of " + source.length);
        }
    }

    /** {@link #checkDoubleRange(double[], int, double[], int, int, int)} for four source offsets. */
    static void checkDoubleRange(double[] target, int t, double[] source, int from, int to, int o0, int o1, int o2,
                                 int o3) {
        checkDoubleRange(target, t, source, from, to, o0);
        checkDoubleRange(target, t, source, from, to, o1);
        checkDoubleRange(target, t, source, from, to, o2);
        checkDoubleRange(target, t, source, from, to, o3);
    }
}
