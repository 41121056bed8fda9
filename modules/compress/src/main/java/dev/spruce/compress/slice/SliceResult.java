package dev.spruce.compress.slice;

import java.util.List;
import java.util.Map;

import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.model.LlamaModel;

/**
 * The outcome of a SliceGPT run.
 *
 * @param model   the sliced model in memory (heap floats of its own, independent of the source model)
 * @param slicing the widths, as {@code spruce.json} records them
 * @param tensors every tensor of the sliced checkpoint by name, values rounded to their dtype
 * @param steps   each PCA: where, directions kept, variance explained
 * @param before  parameters of the source model
 * @param after   parameters of the sliced model, shortcut matrices included
 * @param seconds the whole run
 */
public record SliceResult(LlamaModel model, SlicingConfig slicing, SliceOptions options,
                          Map<String, SlicedTensor> tensors, List<PcaStep> steps, ParameterCount before,
                          ParameterCount after, double seconds) {

    public SliceResult {
        tensors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
        steps = List.copyOf(steps);
    }

    /** The kept width {@code d'}. */
    public int dimension() {
        return slicing.embeddingDimension();
    }
}
