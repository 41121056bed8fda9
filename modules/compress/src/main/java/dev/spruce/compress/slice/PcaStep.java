package dev.spruce.compress.slice;

/**
 * One PCA of the sliced run, for the report.
 *
 * @param site      {@code embeddings} (the first block's input), {@code attention} (block
 *                  {@code layer}'s MLP input) or {@code mlp} (block {@code layer}'s output)
 * @param layer     the block, or -1 for the embeddings
 * @param kept      directions kept there
 * @param explained fraction of the calibration variance along them
 */
public record PcaStep(String site, int layer, int kept, double explained) {
}
