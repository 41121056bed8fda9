package dev.spruce.kernels;

/**
 * Where the key (or value) vectors of one KV head live inside a cache array: the vector of
 * position {@code t} starts at {@code data[offset + t * stride]} and has {@code headDim} elements.
 *
 * <p>One record describes any layout, so several callers can share one cache array: for a cache
 * {@code [layer][position][kvHeads * headDim]} use {@code offset = (layer * maxPositions) * kvDim +
 * kvHead * headDim} and {@code stride = kvDim}; for {@code [layer][kvHead][position][headDim]} use
 * {@code stride = headDim}. Query heads of one GQA group pass the same record.
 *
 * @param data the cache array
 * @param offset index of position 0's first element
 * @param stride elements between consecutive positions
 */
public record KvRows(float[] data, int offset, int stride) {

    /** Rejects a null array and negative offsets or strides. */
    public KvRows {
        if (data == null) {
            throw new IllegalArgumentException("data is required");
        }
        if (offset < 0 || stride <= 0) {
            throw new IllegalArgumentException("offset must be >= 0 and stride > 0, got offset=" + offset
                    + " stride=" + stride);
        }
    }

    /** Index of the first element of position {@code t}. */
    public int start(int t) {
        return offset + t * stride;
    }

    /** Throws unless positions {@code [0, length)} with {@code headDim} elements each fit in {@link #data()}. */
    void checkFits(int length, int headDim) {
        if (length > 0 && (long) offset + (long) (length - 1) * stride + headDim > data.length) {
            throw new IndexOutOfBoundsException("KV rows offset=" + offset + " stride=" + stride + " length="
                    + length + " headDim=" + headDim + " overrun an array of " + data.length);
        }
    }
}
