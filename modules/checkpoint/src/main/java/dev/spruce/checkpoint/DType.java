package dev.spruce.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Element types of safetensors files, named exactly as in their headers. */
public enum DType {
    F64(64, true),
    F32(32, true),
    F16(16, true),
    BF16(16, true),
    F8_E4M3(8, true),
    F8_E5M2(8, true),
    I64(64, false),
    I32(32, false),
    I16(16, false),
    I8(8, false),
    U64(64, false),
    U32(32, false),
    U16(16, false),
    U8(8, false),
    BOOL(8, false);

    private static final Map<String, DType> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    private final int bits;
    private final boolean floatingPoint;

    DType(int bits, boolean floatingPoint) {
        this.bits = bits;
        this.floatingPoint = floatingPoint;
    }

    /** The dtype a header names, or empty for a name safetensors does not define. */
    public static Optional<DType> fromName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public int bits() {
        return bits;
    }

    public int bytes() {
        return bits / 8;
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** Bytes taken by {@code numel} elements, overflow-checked. */
    public long byteSize(long numel) {
        return Math.multiplyExact(numel, (long) bytes());
    }
}
