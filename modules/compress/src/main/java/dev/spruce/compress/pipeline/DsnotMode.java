package dev.spruce.compress.pipeline;

import dev.spruce.model.LinearRole;

/** Which linears DSnoT refines on top of the initial mask. */
public enum DsnotMode {
    /** q, k, v and o only: the reference's default, which skips the MLP linears. */
    ATTENTION("attention"),
    /** All seven linears. */
    ALL("all");

    private final String id;

    DsnotMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Whether DSnoT refines the linear playing {@code role}. */
    public boolean applies(LinearRole role) {
        return switch (role) {
            case Q, K, V, O -> true;
            case GATE, UP, DOWN -> this == ALL;
        };
    }
}
