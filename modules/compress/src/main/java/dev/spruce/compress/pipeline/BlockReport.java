package dev.spruce.compress.pipeline;

import java.util.List;

/**
 * One decoder block's pruning.
 *
 * @param targetSparsity the sparsity the plan gave the block
 * @param outlierRatio   OWL's outlier ratio of the block (NaN for a uniform plan)
 * @param linears        the seven linears, in {@link dev.spruce.model.LinearRole} order
 * @param seconds        the whole block: both passes over the windows and the pruning
 */
public record BlockReport(int layer, double targetSparsity, double outlierRatio, List<LinearReport> linears,
                          double seconds) {

    public BlockReport {
        linears = List.copyOf(linears);
    }

    /** Zeros over weights of the seven linears together. */
    public double sparsity() {
        double zeros = 0;
        double weights = 0;
        for (LinearReport l : linears) {
            zeros += l.sparsity() * l.rows() * (double) l.cols();
            weights += l.rows() * (double) l.cols();
        }
        return zeros / weights;
    }
}
