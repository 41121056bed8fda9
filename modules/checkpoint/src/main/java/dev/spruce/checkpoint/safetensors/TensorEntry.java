package dev.spruce.checkpoint.safetensors;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Shape;

/**
 * One tensor as a safetensors header describes it.
 *
 * @param name  the tensor's name
 * @param dtype its element type
 * @param shape its dimensions
 * @param begin first byte, relative to the start of the data section
 * @param end   one past the last byte, relative to the start of the data section
 */
public record TensorEntry(String name, DType dtype, Shape shape, long begin, long end) {

    public long byteSize() {
        return end - begin;
    }
}
