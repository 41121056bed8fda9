package dev.spruce.checkpoint;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. Immutable; the element count is computed once
 * with overflow checks, so a shape whose count does not fit in a {@code long} cannot exist.
 */
public final class Shape {

    private final long[] dims;
    private final long numel;

    private Shape(long[] dims, long numel) {
        this.dims = dims;
        this.numel = numel;
    }

    /**
     * @throws IllegalArgumentException for a negative dimension or an element count past {@code Long.MAX_VALUE}
     */
    public static Shape of(long... dims) {
        long[] copy = dims.clone();
        long n = 1;
        for (long d : copy) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(copy));
            }
            n = Math.multiplyExact(n, d);
        }
        return new Shape(copy, n);
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** A copy of the dimensions. */
    public long[] dims() {
        return dims.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return numel;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
