package dev.spruce.compress.pipeline;

/** How the target sparsity is spread over the decoder blocks. */
public enum LayerPlan {
    /** The same sparsity in every block. */
    UNIFORM("uniform"),
    /**
     * OWL: blocks with more activation outliers are pruned less, the mean kept at the target. Costs
     * one extra dense pass over all blocks to measure the outlier ratios; unstructured patterns only.
     */
    OWL("owl");

    private final String id;

    LayerPlan(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
