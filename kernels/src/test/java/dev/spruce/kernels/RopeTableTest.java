package dev.spruce.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Inverse frequencies against values computed with NumPy float32 following transformers'
 * {@code modeling_rope_utils} step by step (the same dtype rules PyTorch applies).
 */
class RopeTableTest {

    /** Our {@link Math#pow} may round differently from {@code powf} by an ulp, which later steps can double. */
    private static void assertCloseUlps(double expected, float actual, int ulps, String message) {
        assertEquals((float) expected, actual, ulps * Math.ulp((float) expected), message);
    }

    @Test
    void defaultFrequenciesOfALlama2Head() {
        float[] inv = RopeTable.inverseFrequencies(64, 10_000, RopeScaling.none());
        assertEquals(32, inv.length);
        assertEquals(1f, inv[0]);
        assertCloseUlps(0.7498942017555237, inv[1], 1, "inv_freq[1]");
        assertCloseUlps(0.0001333521504420787, inv[31], 1, "inv_freq[31]");
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        float[] plain = RopeTable.inverseFrequencies(64, 10_000, RopeScaling.none());
        float[] linear = RopeTable.inverseFrequencies(64, 10_000, new LinearRopeScaling(4));
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i] / 4f, linear[i], "inv_freq[" + i + "]");
        }
    }

    @Test
    void llama3ScalingOfLlama31() {
        // Llama 3.1 8B: head_dim 128, rope_theta 500000, factor 8, low 1, high 4, original 8192.
        float[] inv = RopeTable.inverseFrequencies(128, 500_000, new Llama3RopeScaling(8, 1, 4, 8192));
        assertEquals(64, inv.length);
        // wavelength < 2048: unchanged
        assertEquals(1f, inv[0]);
        assertCloseUlps(0.016560440883040428, inv[20], 2, "high frequency, unchanged");
        // 2048 <= wavelength <= 8192: interpolated (indices 29..34)
        assertCloseUlps(0.0021665706299245358, inv[29], 4, "medium frequency, smoothed");
        assertCloseUlps(0.0005248460220173001, inv[32], 4, "medium frequency, smoothed");
        assertCloseUlps(0.0001785077911335975, inv[34], 4, "medium frequency, smoothed");
        // wavelength > 8192: divided by the factor
        assertCloseUlps(9.556212171446532e-05, inv[35], 2, "low frequency, divided by 8");
        assertCloseUlps(3.068925877869333e-07, inv[63], 2, "low frequency, divided by 8");
    }

    @Test
    void tableHoldsCosinesAndSinesOfPositionTimesFrequency() {
        RopeTable table = RopeTable.create(8, 16, 10_000, RopeScaling.none());
        float[] inv = table.inverseFrequencies();
        for (int i = 0; i < 4; i++) {
            assertEquals(1f, table.cos(0, i));
            assertEquals(0f, table.sin(0, i));
            assertEquals((float) Math.cos(15f * inv[i]), table.cos(15, i));
            assertEquals((float) Math.sin(15f * inv[i]), table.sin(15, i));
        }
    }

    @Test
    void rejectsBadShapesAndPositions() {
        assertThrows(IllegalArgumentException.class, () -> RopeTable.create(7, 4, 10_000, RopeScaling.none()));
        assertThrows(IllegalArgumentException.class, () -> RopeTable.create(8, 0, 10_000, RopeScaling.none()));
        assertThrows(IllegalArgumentException.class, () -> new Llama3RopeScaling(8, 4, 1, 8192));
        assertThrows(IllegalArgumentException.class, () -> new LinearRopeScaling(0));
        RopeTable table = RopeTable.create(8, 4, 10_000, RopeScaling.none());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> KernelProvider.get().rope(table, 4, new float[8], 0, 1));
        assertEquals("position 4 outside the RoPE table [0, 4)", e.getMessage());
    }
}
