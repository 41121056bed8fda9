package dev.spruce.checkpoint;

/**
 * A tensor to be written: its name, element type and dimensions, but not yet its bytes.
 *
 * @param name  the tensor's name
 * @param dtype the element type
 * @param shape the dimensions
 */
public record TensorSpec(String name, DType dtype, Shape shape) {

    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
    }

    public static TensorSpec of(String name, DType dtype, long... dims) {
        return new TensorSpec(name, dtype, Shape.of(dims));
    }

    /** Bytes the tensor's data takes. */
    public long byteSize() {
        return dtype.byteSize(shape.numel());
    }
}
