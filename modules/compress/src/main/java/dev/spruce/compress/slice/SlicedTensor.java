package dev.spruce.compress.slice;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Shape;

/**
 * A tensor of the sliced checkpoint: its values as floats (already rounded to {@code dtype}, so the
 * file holds exactly what the in-memory model computed with) and the dtype and shape to write.
 *
 * @param values row-major, {@code shape.numel()} long
 */
public record SlicedTensor(String name, DType dtype, Shape shape, float[] values) {

    public SlicedTensor {
        if (values.length != shape.numel()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shape);
        }
    }
}
