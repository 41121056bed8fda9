package dev.spruce.model.attention;

import java.util.function.Consumer;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.AttentionKernelProvider;
import dev.spruce.kernels.Kernels;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;

/**
 * How a session attends and stores its keys and values: dense, Double Sparsity or H2O attention,
 * optionally over MiKV's mixed-precision cache. A value the engine's session creation, the
 * evaluator and (later) the server take, so one run can choose its policy.
 *
 * @param mode           which positions attention reads
 * @param doubleSparsity the knobs of {@link AttentionMode#DOUBLE_SPARSE} (null otherwise)
 * @param h2o            the knobs of {@link AttentionMode#H2O} (null otherwise)
 * @param mikv           MiKV's mixed-precision cache, or null for the dense storage
 * @param notices        receives one-line notices (for example, that attention falls back to dense
 *                       because k exceeds the cached positions), at most once per cache and kind
 */
public record AttentionSettings(AttentionMode mode, DoubleSparsitySettings doubleSparsity, H2oSettings h2o,
                                MikvSettings mikv, Consumer<String> notices) {

    private static final System.Logger LOG = System.getLogger(AttentionSettings.class.getName());

    /** Dense attention over the dense cache: what a session does without settings. */
    public static final AttentionSettings DENSE = new AttentionSettings(AttentionMode.DENSE, null, null, null, null);

    public AttentionSettings {
        if (mode == null) {
            throw new IllegalArgumentException("an attention mode is required");
        }
        if ((mode == AttentionMode.DOUBLE_SPARSE) != (doubleSparsity != null)) {
            throw new IllegalArgumentException("Double Sparsity settings go with the double-sparse mode, and only with it");
        }
        if ((mode == AttentionMode.H2O) != (h2o != null)) {
            throw new IllegalArgumentException("H2O settings go with the h2o mode, and only with it");
        }
        if (mikv != null && mode != AttentionMode.DENSE) {
            throw new IllegalArgumentException("the MiKV cache has its own importance policy: use it with dense attention");
        }
        if (notices == null) {
            notices = message -> LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    public static AttentionSettings doubleSparse(DoubleSparsitySettings settings) {
        return new AttentionSettings(AttentionMode.DOUBLE_SPARSE, settings, null, null, null);
    }

    public static AttentionSettings h2o(H2oSettings settings) {
        return new AttentionSettings(AttentionMode.H2O, null, settings, null, null);
    }

    public static AttentionSettings mikv(MikvSettings settings) {
        return new AttentionSettings(AttentionMode.DENSE, null, null, settings, null);
    }

    /** The same settings with notices going to {@code sink}. */
    public AttentionSettings withNotices(Consumer<String> sink) {
        return new AttentionSettings(mode, doubleSparsity, h2o, mikv, sink);
    }

    /** Whether this is plain dense attention over a dense cache. */
    public boolean isDense() {
        return mode == AttentionMode.DENSE && mikv == null;
    }

    /**
     * A new empty cache for {@code maxPositions} positions of a model shaped like {@code config}.
     *
     * @param storage the dense storage ({@link #isDense()} only; the policies store F32 or their own formats)
     * @throws IllegalArgumentException when the settings do not fit the model (for example a channel
     *                                  calibration made for another model)
     */
    public KvCache createCache(ModelConfig config, int maxPositions, KvCacheType storage, Kernels kernels) {
        if (!isDense() && storage != KvCacheType.F32) {
            throw new IllegalArgumentException("--kv " + storage.name().toLowerCase(java.util.Locale.ROOT)
                    + " is a dense storage; " + describe() + " keeps its own");
        }
        if (mikv != null) {
            return new MikvKvCache(config, maxPositions, mikv, kernels);
        }
        return switch (mode) {
            case DENSE -> storage.create(config, maxPositions, kernels);
            case DOUBLE_SPARSE -> new DoubleSparseKvCache(config, maxPositions, doubleSparsity, kernels,
                    AttentionKernelProvider.get(), notices);
            case H2O -> new H2oKvCache(config, maxPositions, h2o, kernels);
        };
    }

    /** A short description for reports, e.g. {@code double-sparse(k=1/16, r=1/8, 4-bit labels)}. */
    public String describe() {
        if (mikv != null) {
            return String.format(java.util.Locale.ROOT, "mikv(%s %.0f%%, rest int%d, groups of %d%s)",
                    mikv.highPrecision().name().toLowerCase(java.util.Locale.ROOT),
                    100 * mikv.importance().budgetRatio(), mikv.lowBits(), mikv.groupSize(),
                    mikv.balance() ? ", balanced keys" : "");
        }
        return switch (mode) {
            case DENSE -> "dense";
            case DOUBLE_SPARSE -> String.format(java.util.Locale.ROOT, "double-sparse(tokens %s, channels %s, %d-bit labels,"
                            + " %d dense layers)",
                    doubleSparsity.tokens() > 0 ? "k=" + doubleSparsity.tokens() : ratio(doubleSparsity.tokenRatio()),
                    doubleSparsity.channels() > 0 ? "r=" + doubleSparsity.channels() : ratio(doubleSparsity.channelRatio()),
                    doubleSparsity.labelBits(), doubleSparsity.denseLayers());
            case H2O -> String.format(java.util.Locale.ROOT, "h2o(budget %.0f%%, recent %.0f%% of it)",
                    100 * h2o.budgetRatio(), 100 * h2o.recentFraction());
        };
    }

    private static String ratio(double r) {
        double inverse = 1 / r;
        return Math.abs(inverse - Math.rint(inverse)) < 1e-9 ? "1/" + (long) Math.rint(inverse) : Double.toString(r);
    }
}
