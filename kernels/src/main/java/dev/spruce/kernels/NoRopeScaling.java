package dev.spruce.kernels;

/** The original RoPE frequencies, {@code theta^(-2i/d)}, unchanged. */
public record NoRopeScaling() implements RopeScaling {

    /** The only value needed; the record has no state. */
    public static final NoRopeScaling INSTANCE = new NoRopeScaling();
}
