package dev.spruce.model;

/**
 * Sees the input activations of the linear layers of the decoder blocks as the forward pass runs:
 * the hook calibration statistics (Wanda norms, SparseGPT Hessians) are gathered through. The
 * forward pass tests one field for null when none is registered, so observing costs nothing then.
 */
@FunctionalInterface
public interface LinearObserver {

    /**
     * Called just before the linear {@code role} of block {@code layer} runs, once per role (q, k
     * and v share their input and are reported three times).
     *
     * @param input row-major {@code [batch][features]} from index 0; read it, never keep or change it
     * @param batch number of token rows
     * @param features the linear's input features
     */
    void observe(int layer, LinearRole role, float[] input, int batch, int features);
}
