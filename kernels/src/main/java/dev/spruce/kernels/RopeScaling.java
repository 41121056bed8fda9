package dev.spruce.kernels;

/**
 * How a checkpoint's {@code config.json} {@code rope_scaling} changes the rotary inverse frequencies.
 *
 * <p>A closed family: {@link RopeTable#inverseFrequencies} switches over it, so adding a variant is
 * a compile error until every switch handles it.
 */
public sealed interface RopeScaling permits NoRopeScaling, LinearRopeScaling, Llama3RopeScaling {

    /** No scaling ({@code rope_scaling} absent, or {@code rope_type} {@code "default"}). */
    static RopeScaling none() {
        return NoRopeScaling.INSTANCE;
    }
}
