package dev.spruce.model;

/** The seven linear layers of a Llama decoder block, with their Hugging Face module names. */
public enum LinearRole {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj");

    private final String module;

    LinearRole(String module) {
        this.module = module;
    }

    /** The module path inside a block, e.g. {@code self_attn.q_proj}. */
    public String module() {
        return module;
    }
}
