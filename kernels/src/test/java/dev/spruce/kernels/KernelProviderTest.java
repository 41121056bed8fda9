package dev.spruce.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider in use is the one asked for, and the fallback rules hold. */
class KernelProviderTest {

    /**
     * Fails when the JVM runs another implementation or width than {@code -Dspruce.kernels} and
     * {@code -Dspruce.kernels.vectorBits} ask for (or SIMD at the preferred width when unset), so
     * a build whose SIMD silently fell back to scalar goes red instead of merely slow.
     */
    @Test
    void providerInUseIsTheOneRequested() {
        String requested = System.getProperty(KernelProvider.KERNELS_PROPERTY);
        String bits = System.getProperty(KernelProvider.VECTOR_BITS_PROPERTY);
        Kernels inUse = KernelProvider.get();
        String expected = requested == null || requested.isBlank() ? "simd" : requested.trim();
        assertEquals(expected, inUse.name(), "-D" + KernelProvider.KERNELS_PROPERTY + "=" + requested
                + " but the provider in use is " + inUse.name() + " (see the WARNING logged at startup)");
        if (expected.equals("simd")) {
            int expectedBits = bits == null ? SimdSpecies.preferredBits() : Integer.parseInt(bits.trim());
            assertEquals(expectedBits, inUse.vectorBits(), "-D" + KernelProvider.VECTOR_BITS_PROPERTY + "=" + bits);
        } else {
            assertEquals(32, inUse.vectorBits());
        }
        assertSame(inUse, KernelProvider.get(), "chosen once");
    }

    @Test
    void scalarWhenAskedFor() {
        KernelProvider.Choice c = KernelProvider.choose("scalar", "512", true, 256);
        assertEquals("scalar", c.name());
        assertNull(c.fallbackReason());
    }

    @Test
    void simdByDefaultAtThePreferredWidth() {
        KernelProvider.Choice c = KernelProvider.choose(null, null, true, 256);
        assertEquals(new KernelProvider.Choice("simd", 256, null, null), c);
        assertEquals("simd", KernelProvider.choose(" SIMD ", "", true, 128).name());
    }

    @Test
    void fallsBackWithAReasonWithoutTheVectorModule() {
        KernelProvider.Choice c = KernelProvider.choose("simd", null, false, 0);
        assertEquals("scalar", c.name());
        assertNotNull(c.fallbackReason());
        assertTrue(c.fallbackReason().contains("--add-modules jdk.incubator.vector"), c.fallbackReason());
        assertTrue(c.fallbackReason().startsWith("spruce.kernels=simd was requested"), c.fallbackReason());
    }

    @Test
    void fallsBackWithFewerThanFourLanes() {
        KernelProvider.Choice c = KernelProvider.choose(null, null, true, 64);
        assertEquals("scalar", c.name());
        assertTrue(c.fallbackReason().contains("2 lanes"), c.fallbackReason());
    }

    @Test
    void forcedWidthAboveTheHardwareIsHonouredButFlaggedSlow() {
        KernelProvider.Choice c = KernelProvider.choose("simd", "512", true, 256);
        assertEquals("simd", c.name());
        assertEquals(512, c.vectorBits());
        assertNull(c.fallbackReason());
        assertTrue(c.slowReason().contains("emulates"), c.slowReason());
    }

    @Test
    void rejectsUnknownValuesInsteadOfFallingBack() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.choose("avx", null, true, 256));
        assertEquals("-Dspruce.kernels=avx: expected simd or scalar", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.choose(null, "384", true, 256));
    }

    @Test
    void explicitImplementationsAreAvailable() {
        assertEquals("scalar", KernelProvider.scalar().name());
        assertEquals("simd", KernelProvider.simd().name());
        assertEquals(SimdSpecies.BITS, KernelProvider.simd().vectorBits());
    }
}
