package dev.spruce.compress.pipeline;

import dev.spruce.compress.prune.DsnotRefiner;
import dev.spruce.compress.prune.SparsityPattern;

/**
 * What the layer-wise pipeline does.
 *
 * @param method       the pruner of the initial masks
 * @param pattern      the target: a fraction (spread by {@code plan}) or N:M in every linear
 * @param plan         uniform or OWL (OWL needs an unstructured pattern)
 * @param dsnot        which linears DSnoT refines, or null for no DSnoT
 * @param dsnotOptions DSnoT's numbers (ignored without {@code dsnot})
 * @param chunk        tokens per forward call (memory of the scratch activations grows with it);
 *                     a window longer than this runs in several calls
 * @param errorWindows windows over which the reconstruction error is measured (it costs two extra
 *                     matrix products per linear and window); at most the number of windows
 */
public record PipelineOptions(PruneMethod method, SparsityPattern pattern, LayerPlan plan, DsnotMode dsnot,
                              DsnotRefiner.Options dsnotOptions, int chunk, int errorWindows) {

    public PipelineOptions {
        if (method == null || pattern == null || plan == null || dsnotOptions == null) {
            throw new IllegalArgumentException("method, pattern, plan and DSnoT options are required");
        }
        if (plan == LayerPlan.OWL && !(pattern instanceof SparsityPattern.Unstructured)) {
            throw new IllegalArgumentException("the OWL plan spreads an unstructured sparsity over the layers;"
                    + " it does not apply to " + pattern + " (use --plan uniform)");
        }
        if (chunk < 1 || errorWindows < 0) {
            throw new IllegalArgumentException("chunk must be ≥ 1 and errorWindows ≥ 0");
        }
    }

    /** {@code method} at {@code pattern}, uniform, no DSnoT, 512-token chunks, error over every window. */
    public static PipelineOptions of(PruneMethod method, SparsityPattern pattern) {
        return new PipelineOptions(method, pattern, LayerPlan.UNIFORM, null, DsnotRefiner.Options.DEFAULT, 512,
                Integer.MAX_VALUE);
    }

    public PipelineOptions withDsnot(DsnotMode mode) {
        return new PipelineOptions(method, pattern, plan, mode, dsnotOptions, chunk, errorWindows);
    }

    public PipelineOptions withPlan(LayerPlan p) {
        return new PipelineOptions(method, pattern, p, dsnot, dsnotOptions, chunk, errorWindows);
    }

    public PipelineOptions withChunk(int c) {
        return new PipelineOptions(method, pattern, plan, dsnot, dsnotOptions, c, errorWindows);
    }

    public PipelineOptions withErrorWindows(int n) {
        return new PipelineOptions(method, pattern, plan, dsnot, dsnotOptions, chunk, n);
    }

    /** A short description, e.g. {@code wanda 0.5 +dsnot(attention)}. */
    public String describe() {
        return method.id() + " " + pattern + (plan == LayerPlan.OWL ? " owl" : "")
                + (dsnot == null ? "" : " +dsnot(" + dsnot.id() + ")");
    }
}
