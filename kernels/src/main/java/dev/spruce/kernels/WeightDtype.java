package dev.spruce.kernels;

/**
 * Element types of dense weights that the kernels read straight from a (memory-mapped) segment.
 *
 * <p>The constant names are the safetensors dtype strings, so a header's {@code "dtype"} maps with
 * {@link #valueOf(String)}. All three are stored little-endian, as safetensors requires.
 */
public enum WeightDtype {
    /** IEEE binary32. */
    F32(4),
    /** IEEE binary16 (half precision). */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2);

    private final int byteSize;

    WeightDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
