package dev.spruce.checkpoint;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Produces the bytes of one tensor while a checkpoint is written, directly into the output
 * file's mapped memory, so a writer never holds more than the tensor being produced.
 */
@FunctionalInterface
public interface TensorFiller {

    /**
     * Writes the tensor's little-endian bytes into {@code target}, which is exactly
     * {@link TensorSpec#byteSize()} long and initially zero.
     */
    void fill(TensorSpec spec, MemorySegment target) throws IOException;

    /** A filler that copies each tensor from a source view with the same name, dtype and shape. */
    static TensorFiller copyFrom(java.util.function.Function<String, Tensor> source) {
        return (spec, target) -> {
            Tensor t = source.apply(spec.name());
            if (t == null || t.dtype() != spec.dtype() || !t.shape().equals(spec.shape())) {
                throw new IllegalArgumentException("no source tensor matching " + spec);
            }
            MemorySegment.copy(t.data(), 0, target, 0, spec.byteSize());
        };
    }
}
