package dev.spruce.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.spruce.checkpoint.OutputExistsException;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.compress.calib.CalibrationDataset;
import dev.spruce.compress.calib.CalibrationWindows;
import dev.spruce.compress.calib.DatasetException;
import dev.spruce.compress.calib.DatasetRegistry;
import dev.spruce.compress.calib.TextFormat;
import dev.spruce.compress.pipeline.CalibrationInfo;
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
import dev.spruce.eval.EvalResult;
import dev.spruce.eval.EvalWindows;
import dev.spruce.eval.PerplexityEvaluator;
import dev.spruce.eval.Protocol;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.Engine;
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

    enum CalibWindows { even, random }

    enum PlanName { uniform, owl }

    enum EvalName { ts, wt2 }

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
                    + " its error would flip sign).")
    boolean dsnot;

    @Option(names = "--dsnot-mode", paramLabel = "MODE",
            description = "attention: refine q/k/v/o only (the reference's default); all: all seven linears."
                    + " Implies --dsnot. Default: attention.")
    DsnotModeName dsnotMode;

    @Option(names = "--dsnot-without-sign-stop",
            description = "Run DSnoT as the reference code actually runs (its sign-flip stop never active).")
    boolean dsnotAsReference;

    @Option(names = "--calib", paramLabel = "NAME|FILE",
            description = "Calibration text: c4, wikitext2, tinystories (checked against their sha256 under"
                    + " --corpora) or a file (.json.gz/.jsonl with a text field, or plain text). Default:"
                    + " tinystories for a TinyStories model (directory name containing 'stories'), else c4.")
    String calib;

    @Option(names = "--nsamples", paramLabel = "N", defaultValue = "128",
            description = "Calibration windows. Default: ${DEFAULT-VALUE}.")
    int nsamples;

    @Option(names = "--seqlen", paramLabel = "N",
            description = "Tokens per window. Default: 256 with tinystories, else min(2048, context).")
    Integer seqlen;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of random windows. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--windows", paramLabel = "MODE", defaultValue = "even",
            description = "even: windows evenly spaced over the calibration stream (reproducible, DESIGN.md);"
                    + " random: random starts from --seed. Default: ${DEFAULT-VALUE}.")
    CalibWindows windows;

    @Option(names = "--plan", paramLabel = "NAME", defaultValue = "uniform",
            description = "uniform: the same sparsity in every block; owl: less sparsity where a block has more"
                    + " activation outliers, mean kept at the target (one extra pass; --sparsity only)."
                    + " Default: ${DEFAULT-VALUE}.")
    PlanName plan;

    @Option(names = "--eval", paramLabel = "PROTOCOL",
            description = "Measure perplexity before and after pruning with a protocol of 'spruce eval' (ts, wt2).")
    EvalName eval;

    @Option(names = "--eval-limit", paramLabel = "N",
            description = "Evaluate only the first N windows (a quick look; not the protocol's number).")
    Integer evalLimit;

    @Option(names = "--corpora", paramLabel = "DIR",
            description = "Folder of the registered corpora. Default: ../shared/corpora beside the checkout.")
    Path corpora;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "512",
            description = "Tokens per forward call during calibration (scratch memory grows with it)."
                    + " Default: ${DEFAULT-VALUE}.")
    int chunk;

    @Option(names = "--error-windows", paramLabel = "N", defaultValue = "16",
            description = "Measure each linear's reconstruction error on the first N windows (it costs two extra"
                    + " matrix products per linear and window; 0 skips it). Default: ${DEFAULT-VALUE}.")
    int errorWindows;

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
        checkOutput(modelDir);
        Path corporaDir = corpora != null ? corpora
                : Defaults.corpora();

        try (Engine engine = modelOptions.open()) {
            JsonNode sourceSidecar = readSidecar(modelDir);
            reportExistingSparsity(engine, modelDir, sourceSidecar, err);
            Calibration c = calibration(engine, modelDir, sourceSidecar, corporaDir);
            LayerwisePruner pruner = new LayerwisePruner(engine.transformer(), options, Parallelism.SERIAL);
            try {
                pruner.validate();
            } catch (IllegalArgumentException e) {
                String hint = options.pattern() instanceof SparsityPattern.NM
                        && e.getMessage().contains("multiple of") ? " (--partial-groups dense|prune to prune it anyway)" : "";
                throw new UserInputException(e.getMessage() + hint);
            }
            EvalWindows evalWindows = eval == null ? null : evalWindows(engine, corporaDir);
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
                    ppl = new PerplexityInfo(eval.name(), evalWindows.windows().size(), evalWindows.seqlen(),
                            evalLimit == null, before, after);
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
        if (nsamples < 1 || (seqlen != null && seqlen < 2) || chunk < 1 || errorWindows < 0
                || (evalLimit != null && evalLimit < 1)) {
            throw new UserInputException("--nsamples, --chunk and --eval-limit must be ≥ 1, --seqlen ≥ 2 and"
                    + " --error-windows ≥ 0");
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

    /** Refuses, before any long work, an output that would be refused at the end or would overwrite the source. */
    private void checkOutput(Path modelDir) throws IOException, UserInputException {
        Path o = output.out;
        if (!Files.exists(o)) {
            return;
        }
        if (!Files.isDirectory(o)) {
            throw new UserInputException(o + ": exists and is not a directory");
        }
        if (Files.isDirectory(modelDir) && Files.isSameFile(o, modelDir)) {
            throw new UserInputException(o + ": is the source checkpoint; write the pruned one elsewhere");
        }
        if (!output.force) {
            try (var entries = Files.list(o)) {
                if (entries.findAny().isPresent()) {
                    throw new OutputExistsException(o);
                }
            }
        }
    }

    private static JsonNode readSidecar(Path modelDir) {
        Path p = modelDir.resolve(PrunedCheckpointWriter.SIDECAR);
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            return null; // a sidecar we cannot read only loses the history, not the checkpoint
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

    private record Calibration(int[][] windows, CalibrationInfo info) {
    }

    private Calibration calibration(Engine engine, Path modelDir, JsonNode sourceSidecar, Path corporaDir)
            throws IOException, UserInputException {
        String name = calib;
        if (name == null) {
            boolean stories = modelDir.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT)
                    .contains("stories")
                    || (sourceSidecar != null && "tinystories".equals(sourceSidecar.path("calibration").path("dataset").asText()));
            name = stories ? "tinystories" : "c4";
        }
        DatasetRegistry registry = DatasetRegistry.bundled();
        var registered = registry.find(name);
        Path file;
        String sha;
        TextFormat format;
        try {
            if (registered.isPresent()) {
                CalibrationDataset d = registered.get();
                file = d.locate(corporaDir);
                sha = d.sha256();
                format = d.format();
            } else {
                file = Path.of(name);
                if (!Files.isRegularFile(file)) {
                    throw new UserInputException("--calib " + name + ": neither a registered dataset ("
                            + String.join(", ", registry.names()) + ") nor a file");
                }
                sha = sha256(file);
                format = TextFormat.guess(file);
            }
        } catch (DatasetException e) {
            throw new UserInputException(e.getMessage());
        }
        List<String> documents;
        try {
            documents = format.documents(file);
        } catch (DatasetException e) {
            throw new UserInputException(e.getMessage());
        }
        // the TS protocol's pool (stories 0-699) and DESIGN.md's C4 documents 0-699
        if (registered.isPresent() && !name.equals("wikitext2")) {
            documents = documents.subList(0, Math.min(Protocol.EVAL_START, documents.size()));
        }
        if (documents.isEmpty()) {
            throw new UserInputException(file + ": no calibration text in it");
        }
        boolean storiesFormat = format == TextFormat.TINYSTORIES;
        CalibrationWindows.Join join = storiesFormat ? CalibrationWindows.Join.BOS_EACH
                : CalibrationWindows.Join.EOS_BETWEEN;
        int n = seqlen != null ? seqlen : (storiesFormat ? Math.min(256, engine.context())
                : Math.min(2048, engine.context()));
        if (n > engine.context()) {
            throw new UserInputException("--seqlen " + n + " is longer than the model's context, " + engine.context());
        }
        int[] stream = CalibrationWindows.stream(documents, engine.tokenizer(), join);
        int[][] w;
        try {
            w = windows == CalibWindows.even ? CalibrationWindows.evenlySpaced(stream, nsamples, n)
                    : CalibrationWindows.random(stream, nsamples, n, seed);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--calib " + name + ": " + e.getMessage());
        }
        return new Calibration(w, new CalibrationInfo(registered.isPresent() ? name : "file",
                file.toAbsolutePath().normalize().toString(), sha, documents.size(), join.name(), stream.length,
                nsamples, n, windows.name(), seed));
    }

    private EvalWindows evalWindows(Engine engine, Path corporaDir) throws IOException, UserInputException {
        Protocol p = Protocol.valueOf(eval.name().toUpperCase(Locale.ROOT));
        Path text = p.corpusIn(corporaDir);
        if (!Files.isRegularFile(text)) {
            throw new UserInputException(text + ": evaluation text of --eval " + eval + " not found");
        }
        EvalWindows all;
        try {
            all = p.windows(text, engine.tokenizer(), p.defaultSeqlen(engine.context()));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(text + ": " + e.getMessage());
        }
        return evalLimit == null ? all : all.first(evalLimit);
    }

    private double perplexity(Engine engine, EvalWindows w, String label, PrintWriter err) {
        EvalResult r;
        try (ProgressBar bar = ProgressBar.counting(err, label, common.quiet, "windows")) {
            r = new PerplexityEvaluator(engine.transformer(), engine.options().cacheType(), 64)
                    .evaluate(w, (done, total, ppl) -> {
                        bar.suffix(String.format(Locale.ROOT, ", ppl %.4f", ppl));
                        bar.update(done, total, "");
                    });
        }
        return r.perplexity();
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0; ) {
                md.update(buf, 0, k);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
