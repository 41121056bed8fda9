package dev.spruce.compress.prune;

/**
 * Prunes one linear layer's weights in place: every weight it drops becomes exactly zero, and the
 * result says which survived.
 */
public sealed interface Pruner permits MagnitudePruner, WandaPruner, SparseGptPruner {

    /**
     * Prunes {@code weights}, row-major {@code [rows][cols]} ({@code rows} output features,
     * {@code cols} input features, the layout of a Hugging Face {@code nn.Linear} weight).
     *
     * @param stats calibration statistics of the layer's inputs; {@link MagnitudePruner} ignores them
     * @throws IllegalArgumentException when the shapes, the pattern or the statistics do not fit
     */
    PruneResult prune(float[] weights, int rows, int cols, SparsityPattern pattern, LinearStatistics stats);
}
