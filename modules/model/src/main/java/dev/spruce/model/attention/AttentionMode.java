package dev.spruce.model.attention;

/** Which positions attention reads. */
public enum AttentionMode {
    /** Every cached position. */
    DENSE,
    /** Double Sparsity: the top-k positions by approximate scores from a label cache of a few key channels. */
    DOUBLE_SPARSE,
    /** H2O: heavy hitters and a recent window within a fixed budget; evicted positions are gone. */
    H2O
}
