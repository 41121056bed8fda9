package dev.spruce.compress.pipeline;

import dev.spruce.compress.prune.MagnitudePruner;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.compress.prune.Pruner;
import dev.spruce.compress.prune.SparseGptPruner;
import dev.spruce.compress.prune.WandaPruner;

/** The pruner that chooses each linear's initial mask. */
public enum PruneMethod {
    /** Smallest |W| per matrix; needs no calibration statistics. */
    MAGNITUDE("magnitude"),
    /** Smallest |W_ij|·‖X_j‖ per output row (Wanda as published). */
    WANDA("wanda"),
    /** Optimal Brain Surgeon updates over SparseGPT's Hessian {@code XᵀX}. */
    SPARSEGPT("sparsegpt");

    private final String id;

    PruneMethod(String id) {
        this.id = id;
    }

    /** The name used on the command line and in {@code spruce.json}. */
    public String id() {
        return id;
    }

    /** Whether the statistics must accumulate the {@code features²} Hessian. */
    public boolean needsHessian() {
        return this == SPARSEGPT;
    }

    /** A pruner of this method whose parallel loops run on {@code parallelism}. */
    public Pruner pruner(Parallelism parallelism) {
        return switch (this) {
            case MAGNITUDE -> new MagnitudePruner();
            case WANDA -> WandaPruner.standard();
            case SPARSEGPT -> new SparseGptPruner(SparseGptPruner.Options.DEFAULT, parallelism);
        };
    }

    /** The method called {@code id} (any case). */
    public static PruneMethod fromId(String id) {
        for (PruneMethod m : values()) {
            if (m.id.equalsIgnoreCase(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown pruning method '" + id + "'; use magnitude, wanda or sparsegpt");
    }
}
