package dev.spruce.kernels;

/**
 * Asymmetric round-to-nearest quantisation of a vector in groups, as MiKV stores the keys and
 * values it keeps at low precision: per group of {@code groupSize} elements,
 * {@code scale = (max - min) / (2^bits - 1)} and {@code zero = min}, both stored as F16, and each
 * element becomes {@code round((x - min) / scale)} clamped to {@code [0, 2^bits - 1]}. Codes are
 * packed little-endian bit after bit (code {@code i} of a group starts at bit {@code i * bits});
 * a group of a multiple of 8 elements fills whole bytes at any width, so 3-bit groups pack too.
 *
 * <p>The scale and zero used to round are the F16 values stored, so dequantising reproduces
 * exactly the grid the codes were chosen on. Stateless and thread-safe.
 */
public final class GroupQuantizer {

    private final int bits;
    private final int groupSize;
    private final int maxCode;

    /**
     * @param bits      2, 3, 4 or 8
     * @param groupSize elements per group: a positive multiple of 8
     */
    public GroupQuantizer(int bits, int groupSize) {
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("quantisation bits must be 2, 3, 4 or 8, got " + bits);
        }
        if (groupSize < 8 || groupSize % 8 != 0) {
            throw new IllegalArgumentException("the group size must be a positive multiple of 8, got " + groupSize);
        }
        this.bits = bits;
        this.groupSize = groupSize;
        this.maxCode = (1 << bits) - 1;
    }

    public int bits() {
        return bits;
    }

    public int groupSize() {
        return groupSize;
    }

    /** Groups of a vector of {@code n} elements ({@code n} must be a multiple of the group size). */
    public int groups(int n) {
        if (n % groupSize != 0) {
            throw new IllegalArgumentException(n + " elements do not split into groups of " + groupSize);
        }
        return n / groupSize;
    }

    /** Bytes of codes for {@code n} elements. */
    public int codeBytes(int n) {
        return groups(n) * groupSize * bits / 8;
    }

    /** Bytes a vector of {@code n} elements takes: codes plus an F16 scale and zero per group. */
    public int bytesPerVector(int n) {
        return codeBytes(n) + groups(n) * 2 * Short.BYTES;
    }

    /**
     * Quantises {@code x[xOffset .. + n)} into {@code codes[codeOffset .. + codeBytes(n))} and
     * {@code params[paramOffset .. + 2 * groups(n))} (F16 scale then zero, per group).
     */
    public void quantize(float[] x, int xOffset, int n, byte[] codes, int codeOffset, short[] params, int paramOffset) {
        int groupBytes = groupSize * bits / 8;
        for (int g = 0, groups = groups(n); g < groups; g++) {
            int from = xOffset + g * groupSize;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = from; i < from + groupSize; i++) {
                min = Math.min(min, x[i]);
                max = Math.max(max, x[i]);
            }
            short zeroBits = FloatFormats.floatToF16(min);
            short scaleBits = FloatFormats.floatToF16((max - min) / maxCode);
            params[paramOffset + 2 * g] = scaleBits;
            params[paramOffset + 2 * g + 1] = zeroBits;
            float zero = FloatFormats.f16ToFloat(zeroBits);
            float scale = FloatFormats.f16ToFloat(scaleBits);
            float inverse = scale == 0f ? 0f : 1f / scale;
            long buffer = 0;
            int filled = 0;
            int out = codeOffset + g * groupBytes;
            for (int i = from; i < from + groupSize; i++) {
                long code = Math.clamp(Math.round((x[i] - zero) * inverse), 0, maxCode);
                buffer |= code << filled;
                filled += bits;
                while (filled >= 8) {
                    codes[out++] = (byte) buffer;
                    buffer >>>= 8;
                    filled -= 8;
                }
            }
        }
    }

    /** Writes the dequantised values {@code zero + scale * code} to {@code out[outOffset .. + n)}. */
    public void dequantize(byte[] codes, int codeOffset, short[] params, int paramOffset, int n, float[] out,
                           int outOffset) {
        int groupBytes = groupSize * bits / 8;
        for (int g = 0, groups = groups(n); g < groups; g++) {
            float scale = FloatFormats.f16ToFloat(params[paramOffset + 2 * g]);
            float zero = FloatFormats.f16ToFloat(params[paramOffset + 2 * g + 1]);
            long buffer = 0;
            int filled = 0;
            int in = codeOffset + g * groupBytes;
            int to = outOffset + g * groupSize;
            for (int i = 0; i < groupSize; i++) {
                while (filled < bits) {
                    buffer |= (codes[in++] & 0xFFL) << filled;
                    filled += 8;
                }
                out[to + i] = Math.fma(scale, (float) (buffer & maxCode), zero);
                buffer >>>= bits;
                filled -= bits;
            }
        }
    }
}
