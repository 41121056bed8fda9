package dev.spruce.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.compress.pipeline.PerplexityInfo;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.compress.slice.LayerwiseSlicer;
import dev.spruce.compress.slice.SliceOptions;
import dev.spruce.compress.slice.SliceReport;
import dev.spruce.compress.slice.SliceResult;
import dev.spruce.compress.slice.SlicedCheckpointWriter;
import dev.spruce.eval.EvalWindows;
import dev.spruce.model.Engine;
import dev.spruce.model.SparseWeightPolicy;
import dev.spruce.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce slice}: SliceGPT, written as a smaller dense checkpoint that Spruce runs like any other. */
@Command(name = "slice", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Slice the model with SliceGPT: fold every RMSNorm scale into the linears that read",
                "it (weightless norms, the head untied), then block by block on calibration data",
                "rotate the residual stream onto its principal directions (PCA of the activations,",
                "covariance in double, 1%% damping) and delete the least important ones. Every",
                "matrix loses rows or columns; each block gets two shortcut matrices",
                "(attn_shortcut_Q, mlp_shortcut_Q) that rotate the residual between sub-layers.",
                "The residual keeps d' = floor((1 - S)·hidden / 8)·8 dimensions; the head reads the",
                "full width. The output is a checkpoint that 'spruce eval' and 'spruce generate' load",
                "as any other: the per-layer widths are in spruce.json (SliceGPT's SlicingConfig",
                "keys), with parameter counts before and after (shortcuts included), calibration and",
                "perplexity, plus slice-report.md/.json.",
                "",
                "Memory: the residual stream of all windows is held between blocks,",
                "nsamples x seqlen x hidden floats (128 x 2048 windows of a 2048-wide model: 2 GB),",
                "plus the sliced model as floats and a few hidden^2 doubles. To use less memory,",
                "lower --nsamples or --seqlen, or --chunk (scratch activations).",
                ""})
final class SliceCommand implements Callable<Integer> {

    @Option(names = "--slicing", paramLabel = "S", required = true,
            description = "Fraction of the hidden dimensions to remove, 0 ≤ S < 1 (e.g. 0.25; 0 rotates without"
                    + " removing anything).")
    String slicing;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    EvalOptions evaluation;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "512",
            description = "Tokens per forward call during calibration (scratch memory grows with it)."
                    + " Default: ${DEFAULT-VALUE}.")
    int chunk;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SliceOptions options = sliceOptions();
        calibration.validate();
        evaluation.validate();
        Path modelDir = modelOptions.modelDir();
        output.checkBeforeWork(modelDir, "sliced");

        try (Engine engine = modelOptions.open(SparseWeightPolicy.OFF)) {
            JsonNode sourceSidecar = Sidecars.read(modelDir);
            if (engine.model().slicing() != null) {
                throw new UserInputException(modelDir + ": already sliced (residual " + engine.model().embeddings().cols()
                        + " of " + engine.model().config().hiddenSize() + " wide" + slicedBy(sourceSidecar)
                        + "); slicing a sliced model is not supported: slice the original with the total --slicing"
                        + " you want");
            }
            LayerwiseSlicer check = new LayerwiseSlicer(engine.transformer(), options, Parallelism.SERIAL);
            try {
                check.validate();
            } catch (IllegalArgumentException e) {
                throw new UserInputException(modelDir + ": " + e.getMessage());
            }
            CalibrationOptions.Calibration c = calibration.load(engine, modelDir, sourceSidecar);
            EvalWindows evalWindows = evaluation.windows(engine, calibration.corporaDir());
            double before = evalWindows == null ? Double.NaN : EvalOptions.perplexity(engine.transformer(),
                    engine.options().cacheType(), evalWindows, "eval dense", err, common.quiet);

            int threads = engine.transformer().pool().threads();
            ExecutorService executor = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "spruce-slice");
                t.setDaemon(true);
                return t;
            }) : null;
            SliceResult result;
            try (ProgressBar bar = ProgressBar.counting(err, "slice", common.quiet, "window passes")) {
                Parallelism parallelism = executor == null ? Parallelism.SERIAL : new Parallelism(executor, threads);
                result = new LayerwiseSlicer(engine.transformer(), options, parallelism)
                        .run(c.windows(), (done, total, what) -> {
                            bar.suffix(", " + what);
                            bar.update(done, total, what);
                        });
            } finally {
                if (executor != null) {
                    executor.shutdownNow();
                }
            }

            PerplexityInfo ppl = null;
            if (evalWindows != null) {
                double after = EvalOptions.perplexity(new Transformer(result.model(), engine.transformer().pool()),
                        engine.options().cacheType(), evalWindows, "eval sliced", err, common.quiet);
                ppl = new PerplexityInfo(evaluation.eval.name(), evalWindows.windows().size(), evalWindows.seqlen(),
                        evaluation.complete(), before, after);
            }
            Map<String, String> versions = new LinkedHashMap<>();
            versions.put("spruce", Versions.spruce());
            versions.put("java", Runtime.version().toString());
            SliceReport report = new SliceReport(modelDir.toAbsolutePath().normalize().toString(), sourceSidecar, result,
                    c.info(), ppl, versions);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Map<String, byte[]> files = new LinkedHashMap<>();
            String markdown = report.markdown();
            files.put("slice-report.md", markdown.getBytes(StandardCharsets.UTF_8));
            files.put("slice-report.json", json.writeValueAsBytes(report.json()));
            try (ProgressBar bar = new ProgressBar(err, "write", common.quiet)) {
                SlicedCheckpointWriter.write(modelDir, engine.model().config(), result, output.out, output.force,
                        report.sidecar(), files, bar);
            }
            out.print(markdown);
            out.printf(Locale.ROOT, "%nwrote %s%n", output.out);
            out.flush();
        }
        return ExitCode.OK;
    }

    private SliceOptions sliceOptions() throws UserInputException {
        double s;
        try {
            s = Double.parseDouble(slicing.strip());
        } catch (NumberFormatException e) {
            throw new UserInputException("--slicing '" + slicing + "' is not a number; give a fraction such as 0.25");
        }
        if (chunk < 1) {
            throw new UserInputException("--chunk must be ≥ 1");
        }
        try {
            return new SliceOptions(s, 8, chunk);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--slicing: " + e.getMessage());
        }
    }

    private static String slicedBy(JsonNode sidecar) {
        JsonNode s = sidecar == null ? null : sidecar.path("slice").get("slicing");
        return s == null ? "" : "; spruce.json: slicing " + s.asText();
    }
}
