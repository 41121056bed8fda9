package dev.spruce.bench.jlama;

/** What Jlama's matrix products take as their input vectors, given a checkpoint's weight type. */
public enum JlamaActivations {
    /**
     * As Jlama ships ({@code ModelSupport.loadModel(dir, F32, F32)}): with BF16 weights it rounds
     * every activation to BF16 before each product (the "avoid Q8BF16" rule in its
     * {@code AbstractModel} constructor), so it computes BF16 × BF16 dot products and its logits
     * differ from an F32 computation by about 2⁻⁹ relative. With F32 weights, activations stay F32.
     */
    AS_SHIPPED,
    /**
     * F32 activations against the unchanged weights (F32 × BF16 products, widened exactly): the
     * arithmetic Spruce does, so logits can be compared to a tight tolerance.
     */
    F32
}
