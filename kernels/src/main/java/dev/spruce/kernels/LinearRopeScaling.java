package dev.spruce.kernels;

/**
 * Position interpolation ({@code rope_type: "linear"}): every inverse frequency is divided by
 * {@code factor}, which is the same as dividing positions by it.
 *
 * @param factor the {@code rope_scaling.factor}, positive
 */
public record LinearRopeScaling(double factor) implements RopeScaling {

    /** Rejects a factor that is not a positive finite number. */
    public LinearRopeScaling {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("linear rope_scaling.factor must be positive, got " + factor);
        }
    }
}
