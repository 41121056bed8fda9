package dev.spruce.model.attention;

/** How MiKV stores the positions it keeps in high precision. */
public enum HighPrecision {
    /** Exact floats (a reference point; not a memory saving). */
    F32,
    /** Brain float 16. */
    BF16,
    /** IEEE half. */
    F16,
    /** 8-bit asymmetric round-to-nearest in groups. */
    INT8
}
