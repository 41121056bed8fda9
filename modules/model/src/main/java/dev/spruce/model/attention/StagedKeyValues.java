package dev.spruce.model.attention;

import java.util.Arrays;

/**
 * Keys and values of one layer waiting to be admitted by a position-by-position policy: the
 * forward pass stores a whole batch before its positions attend one at a time, and an eviction
 * policy may only take position {@code p} in once position {@code p - 1} has attended. Holds the
 * consecutive positions of the current batch; grows to the largest batch seen.
 */
final class StagedKeyValues {

    private final int kvDim;
    private float[] keys;
    private float[] values;
    private int first;
    private int count;

    StagedKeyValues(int kvDim) {
        this.kvDim = kvDim;
        this.keys = new float[kvDim];
        this.values = new float[kvDim];
    }

    void put(int position, float[] k, int kOffset, float[] v, int vOffset) {
        if (count == 0) {
            first = position;
        } else if (position != first + count) {
            throw new IllegalStateException("positions are staged in order: expected " + (first + count) + ", got "
                    + position);
        }
        if ((count + 1) * kvDim > keys.length) {
            keys = Arrays.copyOf(keys, 2 * (count + 1) * kvDim);
            values = Arrays.copyOf(values, keys.length);
        }
        System.arraycopy(k, kOffset, keys, count * kvDim, kvDim);
        System.arraycopy(v, vOffset, values, count * kvDim, kvDim);
        count++;
    }

    /** Offset of {@code position}'s key and value in {@link #keys()} / {@link #values()}. */
    int offset(int position) {
        int i = position - first;
        if (count == 0 || i < 0 || i >= count) {
            throw new IllegalStateException("position " + position + " was not stored before it attends");
        }
        return i * kvDim;
    }

    float[] keys() {
        return keys;
    }

    float[] values() {
        return values;
    }

    /** Marks {@code position} taken in; the stage empties after its last position. */
    void taken(int position) {
        if (position == first + count - 1) {
            count = 0;
        }
    }
}
