package dev.spruce.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.attention.ChannelCalibration;
import dev.spruce.model.attention.DoubleSparsitySettings;
import dev.spruce.model.attention.H2oSettings;
import dev.spruce.model.attention.HighPrecision;
import dev.spruce.model.attention.MikvSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How sessions attend and keep their keys and values ({@code generate}, {@code eval}, {@code serve}): the
 * options behind {@link AttentionSettings}. MiKV is chosen with {@code --kv mikv} ({@link ModelOptions}).
 */
final class AttentionOptions {

    enum Mode { dense, double_sparse, h2o }

    @Option(names = "--attention", paramLabel = "MODE", defaultValue = "dense", converter = ModeConverter.class,
            description = "dense; double-sparse (top-k tokens by a label cache of a few key channels, then exact"
                    + " attention over them); h2o (heavy hitters + recent window within a budget, the rest evicted)."
                    + " Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--token-ratio", paramLabel = "R", defaultValue = "1/16", converter = RatioConverter.class,
            description = "double-sparse: tokens attended exactly, a fraction of the context (e.g. 1/16). Default: ${DEFAULT-VALUE}.")
    double tokenRatio;

    @Option(names = "--tokens", paramLabel = "K", defaultValue = "0",
            description = "double-sparse: tokens attended exactly (overrides --token-ratio; with fewer cached, attention is dense).")
    int tokens;

    @Option(names = "--channel-ratio", paramLabel = "R", defaultValue = "1/8", converter = RatioConverter.class,
            description = "double-sparse: key channels in the label cache, a fraction of the head dimension. Default: ${DEFAULT-VALUE}.")
    double channelRatio;

    @Option(names = "--channels", paramLabel = "R", defaultValue = "0",
            description = "double-sparse: key channels in the label cache (overrides --channel-ratio).")
    int channels;

    @Option(names = "--label-bits", paramLabel = "B", defaultValue = "4",
            description = "double-sparse: 4 (labels quantised per token) or 16 (exact F32 labels). Default: ${DEFAULT-VALUE}.")
    int labelBits;

    @Option(names = "--dense-layers", paramLabel = "N", defaultValue = "2",
            description = "double-sparse: the first N layers stay dense. Default: ${DEFAULT-VALUE}.")
    int denseLayers;

    @Option(names = "--channel-calibration", paramLabel = "FILE",
            description = "double-sparse: the channel order per layer and head, from 'spruce calibrate-attention'.")
    Path calibration;

    @Option(names = "--budget", paramLabel = "R", converter = RatioConverter.class,
            description = "h2o: positions kept, a fraction of the context (default 1/2); --kv mikv: positions kept in"
                    + " high precision (default 1/5).")
    Double budget;

    @Option(names = "--recent", paramLabel = "F", defaultValue = "0.5",
            description = "h2o and mikv: the share of the budget that is the recent window. Default: ${DEFAULT-VALUE}.")
    double recent;

    @Option(names = "--mikv-high", paramLabel = "FORMAT", defaultValue = "bf16",
            description = "--kv mikv: storage of the important positions: bf16, f16, int8 or f32. Default: ${DEFAULT-VALUE}.")
    String mikvHigh;

    @Option(names = "--mikv-bits", paramLabel = "B", defaultValue = "4",
            description = "--kv mikv: bits of every other position: 2, 3 or 4. Default: ${DEFAULT-VALUE}.")
    int mikvBits;

    @Option(names = "--mikv-group", paramLabel = "N", defaultValue = "64",
            description = "--kv mikv: elements per quantisation group (capped at the head dimension). Default: ${DEFAULT-VALUE}.")
    int mikvGroup;

    @Option(names = "--no-balance", description = "--kv mikv: do not balance key channels against queries before quantising.")
    boolean noBalance;

    /**
     * The settings these options describe, notices going to {@code err}.
     *
     * @param mikv whether {@code --kv mikv} was given
     */
    AttentionSettings settings(boolean mikv, PrintWriter err) throws UserInputException {
        AttentionSettings s;
        try {
            if (mikv) {
                if (mode != Mode.dense) {
                    throw new UserInputException("--kv mikv has its own importance policy; use it with --attention dense");
                }
                HighPrecision high;
                try {
                    high = HighPrecision.valueOf(mikvHigh.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UserInputException("--mikv-high " + mikvHigh + ": expected bf16, f16, int8 or f32");
                }
                s = AttentionSettings.mikv(new MikvSettings(new H2oSettings(budget == null ? 0.2 : budget, recent), high,
                        mikvBits, mikvGroup, !noBalance));
            } else {
                s = switch (mode) {
                    case dense -> AttentionSettings.DENSE;
                    case h2o -> AttentionSettings.h2o(new H2oSettings(budget == null ? 0.5 : budget, recent));
                    case double_sparse -> AttentionSettings.doubleSparse(new DoubleSparsitySettings(tokenRatio, tokens,
                            channelRatio, channels, labelBits, denseLayers, readCalibration()));
                };
            }
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        return s.withNotices(message -> {
            err.println("spruce: note: " + message);
            err.flush();
        });
    }

    private ChannelCalibration readCalibration() throws UserInputException {
        if (calibration == null) {
            throw new UserInputException("--attention double-sparse needs --channel-calibration FILE"
                    + " (make one with 'spruce calibrate-attention --model DIR --out FILE')");
        }
        try {
            return ChannelCalibration.read(calibration);
        } catch (IOException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    /** Accepts dense, double-sparse, h2o. */
    static final class ModeConverter implements ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            try {
                return Mode.valueOf(value.toLowerCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not an attention mode; use dense, double-sparse or h2o");
            }
        }
    }

    /** A ratio in (0, 1], as a decimal or a fraction such as 1/16. */
    static final class RatioConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double r;
            try {
                int slash = value.indexOf('/');
                r = slash < 0 ? Double.parseDouble(value)
                        : Double.parseDouble(value.substring(0, slash)) / Double.parseDouble(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a ratio (e.g. 0.25 or 1/4)");
            }
            if (!(r > 0 && r <= 1)) {
                throw new TypeConversionException("'" + value + "' is outside (0, 1]");
            }
            return r;
        }
    }
}
