package dev.spruce.checkpoint;

import dev.spruce.kernels.FloatFormats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A read-only view of one tensor's bytes inside a mapped checkpoint file.
 *
 * <p>A view is cheap and never owns memory: it stays valid while the {@code SafetensorsFile}
 * (or {@code Checkpoint}) it came from is open; after that, any access throws
 * {@link IllegalStateException}. Elements are little-endian and row-major, as safetensors
 * stores them; the typed accessors index elements, not bytes.
 *
 * @param name   the tensor's name in the checkpoint
 * @param dtype  the element type
 * @param shape  the dimensions
 * @param data   exactly the tensor's bytes
 * @param source the file the bytes are mapped from
 */
public record Tensor(String name, DType dtype, Shape shape, MemorySegment data, Path source) {

    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        if (data.byteSize() != dtype.byteSize(shape.numel())) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize()
                    + " bytes for " + dtype + shape);
        }
    }

    public long numel() {
        return shape.numel();
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Element {@code i} of a floating-point tensor as a float (F64 is narrowed; F8 is not supported). */
    public float floatAt(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> FloatFormats.bf16ToFloat(data.getAtIndex(I16, i));
            case F16 -> FloatFormats.f16ToFloat(data.getAtIndex(I16, i));
            case F64 -> (float) data.getAtIndex(F64, i);
            default -> throw unsupported("floatAt");
        };
    }

    /** Element {@code i} of a floating-point tensor as a double. */
    public double doubleAt(long i) {
        return dtype == DType.F64 ? data.getAtIndex(F64, i) : floatAt(i);
    }

    /**
     * Element {@code i} of an integer or boolean tensor as a long (unsigned types zero-extended;
     * a U64 above {@code Long.MAX_VALUE} wraps, as {@link Long#toUnsignedString} shows).
     */
    public long longAt(long i) {
        return switch (dtype) {
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFFL;
            case I16 -> data.getAtIndex(I16, i);
            case U16 -> data.getAtIndex(I16, i) & 0xFFFFL;
            case I32 -> data.getAtIndex(I32, i);
            case U32 -> data.getAtIndex(I32, i) & 0xFFFF_FFFFL;
            case I64, U64 -> data.getAtIndex(I64, i);
            default -> throw unsupported("longAt");
        };
    }

    /** Element {@code i} of a BOOL tensor (any non-zero byte is true). */
    public boolean booleanAt(long i) {
        if (dtype != DType.BOOL) {
            throw unsupported("booleanAt");
        }
        return data.get(ValueLayout.JAVA_BYTE, i) != 0;
    }

    /** All elements of a floating-point tensor, widened to float, in a new heap array. */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32, 0, out, 0, n);
            return out;
        }
        for (int i = 0; i < n; i++) {
            out[i] = floatAt(i);
        }
        return out;
    }

    /** The bytes of row {@code row} of a tensor of rank ≥ 2 (all trailing dimensions). */
    public MemorySegment row(long row) {
        long rowBytes = dtype.byteSize(shape.numel() / Math.max(1, shape.dim(0)));
        return data.asSlice(row * rowBytes, rowBytes);
    }

    /** Number of elements exactly equal to zero (+0 or -0 for floats, 0 for integers). */
    public long countZeros() {
        long zeros = 0;
        long n = numel();
        switch (dtype) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    zeros += (data.getAtIndex(I32, i) & 0x7FFF_FFFF) == 0 ? 1 : 0;
                }
            }
            case BF16, F16 -> {
                for (long i = 0; i < n; i++) {
                    zeros += (data.getAtIndex(I16, i) & 0x7FFF) == 0 ? 1 : 0;
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    zeros += (data.getAtIndex(I64, i) & Long.MAX_VALUE) == 0 ? 1 : 0;
                }
            }
            case F8_E4M3, F8_E5M2 -> {
                for (long i = 0; i < n; i++) {
                    zeros += (data.get(ValueLayout.JAVA_BYTE, i) & 0x7F) == 0 ? 1 : 0;
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    zeros += longAt(i) == 0 ? 1 : 0;
                }
            }
        }
        return zeros;
    }

    private UnsupportedOperationException unsupported(String accessor) {
        return new UnsupportedOperationException(accessor + " on tensor '" + name + "' of dtype " + dtype);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shape;
    }
}
