package dev.spruce.compress.pipeline;

import dev.spruce.model.LinearRole;

/**
 * What pruning did to one linear.
 *
 * @param tensor        the weight's tensor name
 * @param pattern       the pattern it was pruned to
 * @param sparsity      the fraction of its weights that are now exactly zero
 * @param relativeError {@code ‖WX − ŴX‖ / ‖WX‖} over the calibration inputs the pruned block feeds
 *                      it (NaN when not measured)
 * @param seconds       time to choose the mask and update the weights (DSnoT included)
 */
public record LinearReport(int layer, LinearRole role, String tensor, int rows, int cols, String pattern,
                           double sparsity, double relativeError, boolean dsnot, double seconds) {
}
