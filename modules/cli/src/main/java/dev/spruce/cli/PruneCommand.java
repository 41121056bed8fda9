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

import dev.spruce.checkpoint.Tensor;
import dev.spruce.compress.pipeline.DsnotMode;
import dev.spruce.compress.pipeline.LayerPlan;
import dev.spruce.compress.pipeline.LayerwisePruner;
import dev.spruce.compress.pipeline.PerplexityInfo;
import dev.spruce.compress.pipeline.PipelineOptions;
import dev.spruce.compress.pipeline.PipelineResult;
import dev.spruce.compress.pipeline.PruneMethod;
import dev.spruce.compress.pipeline.PruneReport;
import dev.spruce.compress.pipeline.PrunedCheckpointWriter;
import dev.spruce.compress.pipeline.WeightSpill;
import dev.spruce.compress.prune.DsnotRefiner;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.compress.prune.SparsityPattern;
import dev.spruce.eval.EvalWindows;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.Engine;
import dev.spruce.model.SparseWeightPolicy;
import dev.spruce.model.LinearRole;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce prune}: calibration-driven pruning of every decoder block, written as a new dense checkpoint. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune the seven linears of every decoder block (q, k, v, o, gate, up, down)",
                "with magnitude, Wanda or SparseGPT, optionally refined by DSnoT, block by block:",
                "each block is calibrated on the outputs of the blocks already pruned.",
                "Embeddings and lm_head are never pruned. The output is a Hugging Face checkpoint",
                "with exact zeros in the source dtype, config and tokenizer copied, a spruce.json",
                "sidecar and prune-report.md/.json (per linear: sparsity and relative",
                "reconstruction error ||WX - W'X|| / ||WX|| over the calibration inputs).",
                "",
                "Memory: the residual stream of all windows is held between blocks,",
                "nsamples x seqlen x hidden floats (128 x 2048 windows of a 4096-wide model:",
                "4 GB), plus the pruned weights as floats, plus for sparsegpt a hidden^2 and an",
                "intermediate^2 double Hessian for the block being pruned. To use less memory,",
                "lower --nsamples or --seqlen (fewer calibration tokens, slightly worse masks)",
                "or --chunk (scratch activations).",
                ""})
final class PruneCommand implements Callable<Integer> {

    enum MethodName { magnitude, wanda, sparsegpt }

    enum DsnotModeName { attention, all }

    enum PlanName { uniform, owl }

    static final class Target {
        @Option(names = "--sparsity", paramLabel = "S", required = true,
                description = "Unstructured: zero this fraction of every linear, 0 < S < 1 (e.g. 0.5).")
        String sparsity;

        @Option(names = "--pattern", paramLabel = "N:M", required = true,
                description = "Semi-structured: zero N of every M consecutive weights along the input dimension"
                        + " (2:4, 4:8); every linear's input width must be a multiple of M, unless"
                        + " --partial-groups says otherwise.")
        String pattern;
    }

    enum PartialGroupsName { refuse, dense, prune }

    @Option(names = "--partial-groups", paramLabel = "MODE", defaultValue = "refuse",
            description = "With --pattern N:M, a linear whose input width is not a multiple of M ends each row"
                    + " with a narrower group. refuse: stop with an error naming it (no N:M kernel takes it);"
                    + " dense: leave that group dense; prune: prune its N lowest scores, all of it when it is"
                    + " N wide or less (what the Wanda and SparseGPT reference code does). Default: ${DEFAULT-VALUE}.")
    PartialGroupsName partialGroups;

    @Option(names = "--method", required = true, paramLabel = "NAME",
            description = "magnitude (|W| per matrix, no calibration needed), wanda (|W|·||X|| per output row) or"
                    + " sparsegpt (OBS weight updates over the Hessian XᵀX).")
    MethodName method;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--dsnot",
            description = "Refine each mask with DSnoT prune-and-grow (50 cycles, threshold 0.1, stop a row when"
                    + " its error would flip sign). On sparsegpt its weight updates stay, a grown weight gets the"
                    + " value that minimises ||WX - W'X||, and a swap must lower that error.")
    boolean dsnot;

    @Option(names = "--dsnot-mode", paramLabel = "MODE",
            description = "attention: refine q/k/v/o only (the reference's default); all: all seven linears."
                    + " Implies --dsnot. Default: attention.")
    DsnotModeName dsnotMode;

    @Option(names = "--dsnot-without-sign-stop",
            description = "Run DSnoT as the reference code actually runs (its sign-flip stop never active).")
    boolean dsnotAsReference;

    @Option(names = "--plan", paramLabel = "NAME", defaultValue = "uniform",
            description = "uniform: the same sparsity in every block; owl: less sparsity where a block has more"
                    + " activation outliers, mean kept at the target (one extra pass; --sparsity only)."
                    + " Default: ${DEFAULT-VALUE}.")
    PlanName plan;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "512",
            description = "Tokens per forward call during calibration (scratch memory grows with it)."
                    + " Default: ${DEFAULT-VALUE}.")
    int chunk;

    @Option(names = "--error-windows", paramLabel = "N", defaultValue = "16",
            description = "Measure each linear's reconstruction error on the first N windows (it costs two extra"
                    + " matrix products per linear and window; 0 skips it). Default: ${DEFAULT-VALUE}.")
    int errorWindows;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    EvalOptions evalOptions;

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
        PipelineOptions options = pipelineOptions();
        Path modelDir = modelOptions.modelDir();
        output.checkBeforeWork(modelDir, "pruned");
        Path corporaDir = calibration.corporaDir();

        try (Engine engine = modelOptions.open(SparseWeightPolicy.OFF)) {
            JsonNode sourceSidecar = Sidecars.read(modelDir);
            if (engine.model().slicing() != null) {
                throw new UserInputException(modelDir + " is a sliced (SliceGPT) checkpoint: prune the model it was"
                        + " sliced from, then slice the pruned one");
            }
            reportExistingSparsity(engine, modelDir, sourceSidecar, err);
            CalibrationOptions.Calibration c = calibration.load(engine, modelDir, sourceSidecar);
            LayerwisePruner pruner = new LayerwisePruner(engine.transformer(), options, Parallelism.SERIAL);
            try {
                pruner.validate();
            } catch (IllegalArgumentException e) {
                String hint = options.pattern() instanceof SparsityPattern.NM
                        && e.getMessage().contains("multiple of") ? " (--partial-groups dense|prune to prune it anyway)" : "";
                throw new UserInputException(e.getMessage() + hint);
            }
            EvalWindows evalWindows = evalOptions.windows(engine, corporaDir);
            double before = evalWindows == null ? Double.NaN : perplexity(engine, evalWindows, "eval dense", err);

            int threads = engine.transformer().pool().threads();
            ExecutorService executor = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "spruce-prune");
                t.setDaemon(true);
                return t;
            }) : null;
            // pruned blocks wait in a spill file next to the output, in their source dtype
            try (WeightSpill spill = WeightSpill.create(output.out.toAbsolutePath().getParent())) {
                PipelineResult result;
                try (ProgressBar bar = ProgressBar.counting(err, "prune", common.quiet, "window passes")) {
                    Parallelism parallelism = executor == null ? Parallelism.SERIAL : new Parallelism(executor, threads);
                    result = new LayerwisePruner(engine.transformer(), options, parallelism)
                            .run(c.windows(), spill, (done, total, what) -> {
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
                    double after = perplexity(engine, evalWindows, "eval pruned", err);
                    ppl = new PerplexityInfo(evalOptions.eval.name(), evalWindows.windows().size(),
                            evalWindows.seqlen(), evalOptions.complete(), before, after);
                }
                Map<String, String> versions = new LinkedHashMap<>();
                versions.put("spruce", Versions.spruce());
                versions.put("java", Runtime.version().toString());
                PruneReport report = new PruneReport(modelDir.toAbsolutePath().normalize().toString(), sourceSidecar, options,
                        c.info(), result, ppl, versions);
                ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                Map<String, byte[]> files = new LinkedHashMap<>();
                String markdown = report.markdown();
                files.put("prune-report.md", markdown.getBytes(StandardCharsets.UTF_8));
                files.put("prune-report.json", json.writeValueAsBytes(report.json()));
                try (ProgressBar bar = new ProgressBar(err, "write", common.quiet)) {
                    PrunedCheckpointWriter.write(engine.model().checkpoint(), result.weights(), output.out, output.force,
                            report.sidecar(), files, bar);
                }
                out.print(markdown);
                out.printf(Locale.ROOT, "%nwrote %s%n", output.out);
                out.flush();
            }
        }
        return ExitCode.OK;
    }

    private PipelineOptions pipelineOptions() throws UserInputException {
        SparsityPattern pattern;
        try {
            if (target.sparsity != null) {
                double s;
                try {
                    s = Double.parseDouble(target.sparsity.strip());
                } catch (NumberFormatException e) {
                    throw new UserInputException("--sparsity '" + target.sparsity + "' is not a number; give a"
                            + " fraction such as 0.5, or use --pattern N:M");
                }
                pattern = new SparsityPattern.Unstructured(s);
            } else {
                pattern = SparsityPattern.parse(target.pattern);
                if (pattern instanceof SparsityPattern.NM nm) {
                    pattern = nm.withPartial(switch (partialGroups) {
                        case refuse -> SparsityPattern.PartialGroup.REFUSE;
                        case dense -> SparsityPattern.PartialGroup.DENSE;
                        case prune -> SparsityPattern.PartialGroup.PRUNE_LOWEST;
                    });
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        calibration.validate();
        evalOptions.validate();
        if (chunk < 1 || errorWindows < 0) {
            throw new UserInputException("--chunk must be ≥ 1 and --error-windows ≥ 0");
        }
        DsnotMode mode = dsnot || dsnotMode != null
                ? (dsnotMode == DsnotModeName.all ? DsnotMode.ALL : DsnotMode.ATTENTION) : null;
        try {
            return new PipelineOptions(PruneMethod.fromId(method.name()), pattern,
                    plan == PlanName.owl ? LayerPlan.OWL : LayerPlan.UNIFORM, mode,
                    dsnotAsReference ? DsnotRefiner.Options.AS_REFERENCE_RUNS : DsnotRefiner.Options.DEFAULT, chunk,
                    errorWindows);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
    }


    /** Says so when the linears already hold many exact zeros: pruning continues from that state. */
    private static void reportExistingSparsity(Engine engine, Path modelDir, JsonNode sidecar, PrintWriter err) {
        long zeros = 0;
        long total = 0;
        for (DecoderLayer layer : engine.model().layers()) {
            for (LinearRole role : LinearRole.values()) {
                Tensor t = engine.model().checkpoint().tensor(layer.linear(role).name());
                if (t != null) {
                    zeros += t.countZeros();
                    total += t.numel();
                }
            }
        }
        double fraction = total == 0 ? 0 : (double) zeros / total;
        if (fraction >= 0.05) {
            String how = sidecar != null && sidecar.path("prune").has("method")
                    ? " (spruce.json: " + sidecar.path("prune").path("method").asText() + " "
                    + sidecar.path("prune").path("pattern").asText() + ")" : "";
            err.printf(Locale.ROOT, "spruce: note: %s is already %.1f%% sparse in its linears%s; pruning further from"
                    + " its state (existing zeros count towards the target)%n", modelDir, fraction * 100, how);
            err.flush();
        }
    }

    private double perplexity(Engine engine, EvalWindows w, String label, PrintWriter err) {
        return EvalOptions.perplexity(engine.transformer(), engine.options().cacheType(), w, label, err, common.quiet);
    }
}
