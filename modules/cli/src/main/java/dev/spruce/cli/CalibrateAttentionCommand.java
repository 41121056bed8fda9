package dev.spruce.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.OutputExistsException;
import dev.spruce.model.Engine;
import dev.spruce.model.Session;
import dev.spruce.model.SparseWeightPolicy;
import dev.spruce.model.attention.ChannelCalibration;
import dev.spruce.model.attention.ChannelCalibrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce calibrate-attention}: Double Sparsity's offline channel calibration. */
@Command(name = "calibrate-attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Rank each attention head's key channels for Double Sparsity's label cache: run calibration",
                "windows through the dense model and measure, after RoPE, the mean |q_c * k_c| of each query with the key",
                "of its own position (mode qk, the paper's default), or the mean |q_c| (q) or |k_c| (k, per KV head).",
                "Writes a sidecar JSON: per layer, per head, the channel indices in descending importance; pass it to",
                "generate/eval with --attention double-sparse --channel-calibration FILE."})
final class CalibrateAttentionCommand implements Callable<Integer> {

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "qk",
            description = "qk, q or k. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The channel calibration JSON to write.")
    Path out;

    @Option(names = "--force", description = "Replace --out if it exists.")
    boolean force;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ChannelCalibration.Mode m;
        try {
            m = ChannelCalibration.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--mode " + mode + ": expected qk, q or k");
        }
        calibration.validate();
        if (Files.exists(out) && !force) {
            throw new OutputExistsException(out);
        }
        PrintWriter err = spec.commandLine().getErr();
        Path modelDir = modelOptions.modelDir();
        try (Engine engine = modelOptions.open(SparseWeightPolicy.OFF)) {
            CalibrationOptions.Calibration c = calibration.load(engine, modelDir, Sidecars.read(modelDir));
            int seqlen = c.windows()[0].length;
            ChannelCalibrator calibrator = new ChannelCalibrator(engine.model().config(), seqlen, engine.model().kernels());
            try (ProgressBar bar = ProgressBar.counting(err, "calibrate-attention", common.quiet, "windows");
                 Session session = new Session(engine.transformer(), calibrator, 64)) {
                for (int i = 0; i < c.windows().length; i++) {
                    session.reset();
                    session.forward(c.windows()[i], 0, seqlen, false);
                    bar.update(i + 1, c.windows().length, "");
                }
            }
            ObjectNode source = new ObjectMapper().createObjectNode();
            source.put("model", modelDir.toAbsolutePath().normalize().toString());
            source.set("calibration", c.info().toJson());
            source.put("spruce", Versions.spruce());
            ChannelCalibration result = calibrator.result(m, source);
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            result.write(out);
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %s channel ranking of %d layers × %d heads of %d,"
                            + " from %d windows × %d tokens%n", out, m.name().toLowerCase(Locale.ROOT), result.numLayers(),
                    result.listedHeads(), result.headDim(), c.windows().length, seqlen);
        }
        return ExitCode.OK;
    }
}
