package dev.spruce.compress.pipeline;

import java.util.List;
import java.util.Map;

import dev.spruce.kernels.DenseMatrix;

/**
 * The outcome of a pipeline run.
 *
 * @param blocks  per block, what was done
 * @param weights the pruned weights by tensor name, in their source dtype, mapped from the
 *                {@link WeightSpill} the model now runs on
 * @param seconds the whole run
 */
public record PipelineResult(List<BlockReport> blocks, Map<String, DenseMatrix> weights, double seconds) {

    public PipelineResult {
        blocks = List.copyOf(blocks);
        weights = Map.copyOf(weights);
    }

    /** The pruned weights of {@code tensor} widened to floats, or null when it was not pruned. */
    public float[] floats(String tensor) {
        DenseMatrix m = weights.get(tensor);
        return m == null ? null : WeightSpill.toFloats(m);
    }

    /** Zeros over weights of all pruned linears together. */
    public double sparsity() {
        double zeros = 0;
        double weights = 0;
        for (BlockReport b : blocks) {
            for (LinearReport l : b.linears()) {
                zeros += l.sparsity() * l.rows() * (double) l.cols();
                weights += l.rows() * (double) l.cols();
            }
        }
        return zeros / weights;
    }
}
