package dev.spruce.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every SIMD kernel uses, fixed once per JVM. They are {@code static final}
 * because C2 only turns Vector API calls into instructions when the species is a constant; a
 * species held in an instance field would leave every kernel boxed and slow. Kept apart from the
 * kernels (as Lucene's {@code PanamaVectorConstants}) so the width policy lives in one place.
 */
final class SimdSpecies {

    /** Float vector width: {@code -Dspruce.kernels.vectorBits}, else the preferred species (at least 128). */
    static final int BITS = chooseBits();

    /** Floats: the width every kernel is written against. */
    static final VectorSpecies<Float> FLOAT = switch (BITS) {
        case 128 -> FloatVector.SPECIES_128;
        case 256 -> FloatVector.SPECIES_256;
        default -> FloatVector.SPECIES_512;
    };

    /** Ints with the same lane count as {@link #FLOAT}: masks and indices of argmax, widened 16-bit weights. */
    static final VectorSpecies<Integer> INT = switch (BITS) {
        case 128 -> IntVector.SPECIES_128;
        case 256 -> IntVector.SPECIES_256;
        default -> IntVector.SPECIES_512;
    };

    /**
     * Shorts with the same lane count as {@link #FLOAT} (half its bits): one load of BF16/F16
     * weights widens to exactly one float vector, so 16-bit and F32 kernels share their loop shape.
     */
    static final VectorSpecies<Short> HALF_SHORT = switch (BITS) {
        case 128 -> ShortVector.SPECIES_64;
        case 256 -> ShortVector.SPECIES_128;
        default -> ShortVector.SPECIES_256;
    };

    /** Doubles at the same width as {@link #FLOAT} (half its lanes): the double-precision kernels. */
    static final VectorSpecies<Double> DOUBLE = switch (BITS) {
        case 128 -> DoubleVector.SPECIES_128;
        case 256 -> DoubleVector.SPECIES_256;
        default -> DoubleVector.SPECIES_512;
    };

    /** Float lanes per vector. */
    static final int LANES = FLOAT.length();

    private SimdSpecies() {
    }

    /** Width of the platform's preferred float species, which the provider compares with 4 lanes. */
    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    private static int chooseBits() {
        int forced = KernelProvider.parseVectorBits(System.getProperty(KernelProvider.VECTOR_BITS_PROPERTY));
        if (forced != 0) {
            return forced;
        }
        // The provider never picks SIMD below 128 bits; this floor only keeps a direct
        // KernelProvider.simd() call on such a JVM correct (emulated) instead of failing.
        int preferred = preferredBits();
        return Math.min(512, Math.max(128, preferred));
    }
}
