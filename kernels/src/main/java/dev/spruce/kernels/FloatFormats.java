package dev.spruce.kernels;

/**
 * Conversions between {@code float} and the 16-bit floating formats found in checkpoints.
 *
 * <p>BF16 is the upper half of an IEEE binary32; F16 is IEEE binary16 (the JDK converts it).
 * Narrowing rounds to nearest, ties to even, as PyTorch does, so a checkpoint converted here
 * holds the same bits as one converted there.
 */
public final class FloatFormats {

    private FloatFormats() {
    }

    /** Widens BF16 bits to a float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows a float to BF16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Widens F16 bits to a float (exact). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Narrows a float to F16 bits, round to nearest even. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }
}
