package dev.spruce.kernels;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Picks the {@link Kernels} implementation once per JVM, in the manner of Lucene's
 * {@code VectorizationProvider}.
 *
 * <ul>
 *   <li>{@code -Dspruce.kernels=simd|scalar} asks for one; unset means SIMD when it can run well.
 *   <li>{@code -Dspruce.kernels.vectorBits=128|256|512} forces the float vector width (default: the
 *       platform's preferred species). A width above the hardware's still gives correct results
 *       but is emulated and slow; it exists so tests cover every width on one machine.
 * </ul>
 * SIMD needs the {@code jdk.incubator.vector} module (JVM flag {@code --add-modules
 * jdk.incubator.vector}) and a preferred float vector of at least 4 lanes; otherwise the scalar
 * twin is used and a WARNING says why, even when SIMD was asked for, so a program still runs. A
 * test asserts that the provider in use is the one requested, so a build cannot fall back silently.
 * Unknown property values are errors rather than fallbacks: a typo must not cost a silent 5×.
 */
public final class KernelProvider {

    /** System property choosing the implementation: {@code simd} or {@code scalar}. */
    public static final String KERNELS_PROPERTY = "spruce.kernels";
    /** System property forcing the SIMD float vector width in bits: 128, 256 or 512. */
    public static final String VECTOR_BITS_PROPERTY = "spruce.kernels.vectorBits";

    static final String SIMD = "simd";
    static final String SCALAR = "scalar";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

    private KernelProvider() {
    }

    /** The implementation chosen from the system properties; the same instance on every call. */
    public static Kernels get() {
        return Selected.INSTANCE;
    }

    /** The scalar twin, whatever the properties say (benchmarks and tests compare against it). */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * The SIMD implementation at the width the properties give, whatever {@code spruce.kernels}
     * says.
     *
     * @throws UnsupportedOperationException if the Vector API module is not loaded
     */
    public static Kernels simd() {
        if (!vectorModulePresent()) {
            throw new UnsupportedOperationException(moduleMissingReason());
        }
        return SimdKernels.INSTANCE;
    }

    /** What {@link #choose} decided: the implementation's name, its width, and why it fell back or is slow. */
    record Choice(String name, int vectorBits, String fallbackReason, String slowReason) {
    }

    /**
     * The decision, as a pure function of its inputs so every branch is testable in one JVM.
     *
     * @param requested the {@code spruce.kernels} value, or null
     * @param bits the {@code spruce.kernels.vectorBits} value, or null
     * @param modulePresent whether {@code jdk.incubator.vector} is in the boot layer
     * @param preferredBits the preferred float species width, ignored when the module is absent
     */
    static Choice choose(String requested, String bits, boolean modulePresent, int preferredBits) {
        String name = parseRequested(requested);
        int forcedBits = parseVectorBits(bits);
        if (SCALAR.equals(name)) {
            return new Choice(SCALAR, 32, null, null);
        }
        String asked = name == null ? "" : KERNELS_PROPERTY + "=simd was requested, but ";
        if (!modulePresent) {
            return new Choice(SCALAR, 32, asked + moduleMissingReason(), null);
        }
        if (forcedBits == 0 && preferredBits / Float.SIZE < 4) {
            return new Choice(SCALAR, 32, asked + "the preferred float vector has only " + preferredBits / Float.SIZE
                    + " lanes (at least 4 pay off; is C2 disabled or MaxVectorSize small?)", null);
        }
        int width = forcedBits == 0 ? preferredBits : forcedBits;
        String slow = width > preferredBits
                ? VECTOR_BITS_PROPERTY + "=" + width + " exceeds the hardware's " + preferredBits
                        + "-bit vectors: results stay correct but the Vector API emulates them slowly"
                : null;
        return new Choice(SIMD, width, null, slow);
    }

    /** {@code null} for unset, else {@code simd} or {@code scalar}. */
    private static String parseRequested(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.equals(SIMD) && !v.equals(SCALAR)) {
            throw new IllegalArgumentException("-D" + KERNELS_PROPERTY + "=" + value + ": expected simd or scalar");
        }
        return v;
    }

    /** 0 for unset, else 128, 256 or 512. */
    static int parseVectorBits(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        return switch (value.trim()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> throw new IllegalArgumentException("-D" + VECTOR_BITS_PROPERTY + "=" + value
                    + ": expected 128, 256 or 512");
        };
    }

    private static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    private static String moduleMissingReason() {
        return "the " + VECTOR_MODULE + " module is not loaded; start the JVM with --add-modules " + VECTOR_MODULE;
    }

    /** Holder so the choice (and its log line) happens on first use, once. */
    private static final class Selected {
        static final Kernels INSTANCE = create();

        private static Kernels create() {
            String requested = System.getProperty(KERNELS_PROPERTY);
            String bits = System.getProperty(VECTOR_BITS_PROPERTY);
            // Validate before SimdSpecies reads the width property, so a typo surfaces as this clear error.
            parseRequested(requested);
            parseVectorBits(bits);
            boolean present = vectorModulePresent();
            // Only touch Vector API classes when the module is there, or linking fails.
            int preferred = present ? SimdSpecies.preferredBits() : 0;
            Choice choice = choose(requested, bits, present, preferred);
            if (choice.fallbackReason() != null) {
                LOG.log(Level.WARNING, "Using scalar kernels: " + choice.fallbackReason());
            }
            if (choice.slowReason() != null) {
                LOG.log(Level.WARNING, choice.slowReason());
            }
            return SIMD.equals(choice.name()) ? SimdKernels.INSTANCE : ScalarKernels.INSTANCE;
        }
    }
}
