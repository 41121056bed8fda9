package dev.spruce.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BF16/F16 conversions: rounding, NaN, round trips, and the kernels' widening against them. */
class FloatFormatsTest {

    @Test
    void bf16IsTheTopHalfOfAFloat() {
        assertEquals(1f, FloatFormats.bf16ToFloat((short) 0x3F80));
        assertEquals(-2f, FloatFormats.bf16ToFloat((short) 0xC000));
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16(1f));
        assertEquals((short) 0x8000, FloatFormats.floatToBf16(-0f));
    }

    @Test
    void bf16RoundsToNearestTiesToEven() {
        // BF16 keeps 7 fraction bits: near 1 its ulp is 2^-7 and a tie sits at 2^-8.
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16(1f + 0x1p-8f), "tie rounds down to even 0x3F80");
        assertEquals((short) 0x3F82, FloatFormats.floatToBf16(1f + 0x1p-7f + 0x1p-8f), "tie rounds up to even 0x3F82");
        assertEquals((short) 0x3F81, FloatFormats.floatToBf16(1f + 0x1p-8f + 0x1p-20f), "above the tie rounds up");
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16(1f + 0x1p-8f - 0x1p-20f), "below the tie rounds down");
        assertEquals((short) 0x7F80, FloatFormats.floatToBf16(Float.MAX_VALUE), "overflow rounds to infinity");
    }

    @Test
    void bf16KeepsNaNaNaN() {
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(Float.NaN))));
        // A NaN whose payload lives only in the low 16 bits must not truncate to infinity.
        float lowPayloadNaN = Float.intBitsToFloat(0x7F80_0001);
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(lowPayloadNaN))));
        float negativeNaN = Float.intBitsToFloat(0xFF80_0001);
        short bits = FloatFormats.floatToBf16(negativeNaN);
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(bits)));
        assertEquals(0x8000, bits & 0x8000, "sign kept");
    }

    @Test
    void everyBf16AndF16PatternRoundTrips() {
        for (int i = 0; i < 1 << 16; i++) {
            short bits = (short) i;
            float b = FloatFormats.bf16ToFloat(bits);
            if (Float.isNaN(b)) {
                assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(b))), () -> "bf16 NaN " + bits);
            } else {
                assertEquals(bits, FloatFormats.floatToBf16(b), () -> "bf16 pattern " + Integer.toHexString(bits & 0xFFFF));
            }
            float h = FloatFormats.f16ToFloat(bits);
            if (!Float.isNaN(h)) {
                assertEquals(bits, FloatFormats.floatToF16(h), () -> "f16 pattern " + Integer.toHexString(bits & 0xFFFF));
            }
        }
    }

    @Test
    void f16SpecialValues() {
        assertEquals(1f, FloatFormats.f16ToFloat((short) 0x3C00));
        assertEquals(0x1p-24f, FloatFormats.f16ToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(65504f, FloatFormats.f16ToFloat((short) 0x7BFF), "largest finite");
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.f16ToFloat((short) 0xFC00));
        assertEquals((short) 0x3C00, FloatFormats.floatToF16(1f + 0x1p-11f), "tie rounds to even");
    }

    /** The kernels' widening (vector code paths for BF16 and F16 included) agrees with FloatFormats on every bit pattern. */
    @ParameterizedTest
    @MethodSource("dev.spruce.kernels.TestSupport#implementations")
    void kernelWideningMatchesFloatFormatsForEveryPattern(Kernels k) {
        int n = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(2L * n + 1).asSlice(1);
            for (int i = 0; i < n; i++) {
                segment.setAtIndex(ScalarKernels.U16_LE, i, (short) i);
            }
            float[] bf16 = new float[n];
            float[] f16 = new float[n];
            k.toFloats(WeightDtype.BF16, segment, 0, bf16, 0, n);
            k.toFloats(WeightDtype.F16, segment, 0, f16, 0, n);
            for (int i = 0; i < n; i++) {
                String pattern = Integer.toHexString(i);
                assertEquals(Float.floatToRawIntBits(FloatFormats.bf16ToFloat((short) i)), Float.floatToRawIntBits(bf16[i]),
                        () -> "bf16 " + pattern + " " + k.name());
                assertEquals(Float.floatToRawIntBits(FloatFormats.f16ToFloat((short) i)), Float.floatToRawIntBits(f16[i]),
                        () -> "f16 " + pattern + " " + k.name());
            }
        }
    }
}
