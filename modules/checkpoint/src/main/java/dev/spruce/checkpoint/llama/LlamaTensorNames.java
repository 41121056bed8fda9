package dev.spruce.checkpoint.llama;

/** Hugging Face tensor names of the Llama family. */
public final class LlamaTensorNames {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    /** SliceGPT's rotation of the residual around attention, {@code [attention input, attention output]}. */
    public static final String ATTN_SHORTCUT = "attn_shortcut_Q";
    /** SliceGPT's rotation of the residual around the MLP, {@code [mlp input, mlp output]}. */
    public static final String MLP_SHORTCUT = "mlp_shortcut_Q";

    private LlamaTensorNames() {
    }

    /** {@code model.layers.{layer}.{suffix}}, e.g. {@code layer(3, "self_attn.q_proj.weight")}. */
    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }
}
