package dev.spruce.kernels;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupQuantizerTest {

    /** By hand: 0..7 at 3 bits has scale 1 and zero 0, so it comes back exactly; packed in 3 bytes. */
    @Test
    void threeBitRampIsExact() {
        GroupQuantizer q = new GroupQuantizer(3, 8);
        float[] x = {0, 1, 2, 3, 4, 5, 6, 7};
        byte[] codes = new byte[q.codeBytes(8)];
        short[] params = new short[2];
        q.quantize(x, 0, 8, codes, 0, params, 0);
        assertEquals(3, codes.length);
        // codes 0..7 little-endian, 3 bits each: 0b 111 110 101 100 011 010 001 000
        assertEquals((byte) 0x88, codes[0]);
        assertEquals((byte) 0xC6, codes[1]);
        assertEquals((byte) 0xFA, codes[2]);
        float[] back = new float[8];
        q.dequantize(codes, 0, params, 0, 8, back, 0);
        assertArrayEquals(x, back);
        assertEquals(3 + 4, q.bytesPerVector(8));
    }

    /** By hand: 2 bits over [-1, 2]: scale 1, so 0.4 rounds to 0 and 0.6 to 1. */
    @Test
    void twoBitRoundsToNearest() {
        GroupQuantizer q = new GroupQuantizer(2, 8);
        float[] x = {-1, 2, 0.4f, 0.6f, -1, -1, -1, -1};
        byte[] codes = new byte[2];
        short[] params = new short[2];
        q.quantize(x, 0, 8, codes, 0, params, 0);
        float[] back = new float[8];
        q.dequantize(codes, 0, params, 0, 8, back, 0);
        assertArrayEquals(new float[] {-1, 2, 0, 1, -1, -1, -1, -1}, back);
    }

    @Test
    void errorIsAtMostHalfAStepAtEveryWidth() {
        Random random = new Random(7);
        for (int bits : new int[] {2, 3, 4, 8}) {
            GroupQuantizer q = new GroupQuantizer(bits, 32);
            float[] x = new float[64];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian() * 3;
            }
            byte[] codes = new byte[q.codeBytes(64)];
            short[] params = new short[4];
            q.quantize(x, 0, 64, codes, 0, params, 0);
            float[] back = new float[64];
            q.dequantize(codes, 0, params, 0, 64, back, 0);
            for (int g = 0; g < 2; g++) {
                float scale = FloatFormats.f16ToFloat(params[2 * g]);
                for (int i = g * 32; i < g * 32 + 32; i++) {
                    // half a step, plus the F16 rounding of the zero point
                    assertTrue(Math.abs(x[i] - back[i]) <= 0.5 * scale + 0.01, bits + " bits: " + x[i] + " vs " + back[i]);
                }
            }
        }
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> new GroupQuantizer(5, 8));
        assertThrows(IllegalArgumentException.class, () -> new GroupQuantizer(4, 12));
        assertThrows(IllegalArgumentException.class, () -> new GroupQuantizer(4, 16).groups(24));
    }
}
