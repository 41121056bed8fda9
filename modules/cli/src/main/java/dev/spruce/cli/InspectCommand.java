package dev.spruce.cli;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.kernels.SparseMatrix;
import dev.spruce.kernels.SparseStructure;
import dev.spruce.checkpoint.llama.WeightBindingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code spruce inspect}: what a checkpoint holds, without reading its weights. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a checkpoint's config, parameter count and every tensor (name, dtype, shape, bytes).",
                "Opening maps the files and reads only their headers, so even a 140 GB checkpoint is instant;",
                "counting exact zeros reads every weight and happens only with --zeros.",
                "The tensors are checked against config.json: a missing tensor or a wrong shape is reported."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "DIR",
            description = "Checkpoint directory (config.json + model.safetensors or shards + index), or one .safetensors file."
                    + " Default: the bundled stories260K model in ../shared.")
    Path model;

    @Option(names = "--zeros", description = "Also count exact zeros per tensor (reads all weights: shows how sparse a pruned model is).")
    boolean zeros;

    @Option(names = "--json", description = "Print one JSON document instead of a table, for scripts.")
    boolean json;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = model != null ? model : Defaults.model();
        PrintWriter out = spec.commandLine().getOut();
        boolean hasConfig = Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(ModelConfig.FILE_NAME));
        ModelConfig config = hasConfig ? ModelConfig.read(dir) : null;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            List<String> problems = List.of();
            Map<String, SparseMatrix> packed = Map.of();
            SlicingConfig slicing = null;
            if (config != null) {
                try {
                    LlamaWeights bound = LlamaWeights.bind(config, checkpoint);
                    packed = bound.packed();
                    slicing = bound.slicing();
                } catch (WeightBindingException e) {
                    problems = e.problems();
                }
            }
            if (json) {
                printJson(out, dir, config, checkpoint, problems, packed, slicing);
            } else {
                printTable(out, dir, config, checkpoint, problems);
                printSlicing(out, slicing);
                printPacked(out, packed);
            }
            if (!problems.isEmpty()) {
                spec.commandLine().getErr().println("spruce: " + dir + ": " + problems.size()
                        + " tensor(s) do not match config.json (listed above)");
                return ExitCode.BAD_INPUT;
            }
        }
        return ExitCode.OK;
    }

    private void printTable(PrintWriter out, Path dir, ModelConfig c, Checkpoint ck, List<String> problems) {
        out.println("Checkpoint  " + dir.toAbsolutePath().normalize());
        if (c != null) {
            out.printf(Locale.ROOT, "Model       %s: %d layers, hidden %d, MLP %d, %d heads (%d KV, head_dim %d), vocab %d, context %d%n",
                    c.family().modelType(), c.numLayers(), c.hiddenSize(), c.intermediateSize(), c.numHeads(),
                    c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings());
            out.printf(Locale.ROOT, "            rope_theta %s%s, rms_norm_eps %s, %s embeddings%s%n", fmt(c.ropeTheta()),
                    rope(c.ropeScaling()), String.format(Locale.ROOT, "%.0e", c.rmsNormEps()), c.tieWordEmbeddings() ? "tied" : "untied",
                    c.qkvBias() ? ", q/k/v bias" : "");
        } else {
            out.println("Model       (no config.json: tensors only)");
        }
        out.printf(Locale.ROOT, "Parameters  %,d in %d tensors, %s in %d file(s)%n", ck.parameterCount(), ck.tensors().size(),
                Bytes.human(ck.dataBytes()), ck.files().size());
        out.println("Tensors     " + (problems.isEmpty() ? (c != null ? "match config.json" : "") : problems.size() + " problem(s)"));
        problems.forEach(p -> out.println("  ! " + p));
        out.println();
        int nameWidth = Math.max(4, ck.tensors().keySet().stream().mapToInt(String::length).max().orElse(4));
        String row = "%-" + nameWidth + "s  %-5s  %-16s  %10s  %s%n";
        out.printf(Locale.ROOT, row, "name", "dtype", "shape", "bytes", zeros ? "zeros" : "");
        long totalZeros = 0;
        for (Tensor t : ck.tensors().values()) {
            String z = "";
            if (zeros) {
                long n = t.countZeros();
                totalZeros += n;
                z = String.format(Locale.ROOT, "%.2f%%", t.numel() == 0 ? 0.0 : 100.0 * n / t.numel());
            }
            out.printf(Locale.ROOT, row, t.name(), t.dtype(), Arrays.toString(t.shape().dims()), Bytes.human(t.byteSize()), z);
        }
        if (zeros) {
            out.printf(Locale.ROOT, "%nExact zeros: %,d of %,d elements (%.2f%%)%n", totalZeros, ck.parameterCount(),
                    ck.parameterCount() == 0 ? 0.0 : 100.0 * totalZeros / ck.parameterCount());
        }
    }

    /** The residual widths of a SliceGPT-sliced checkpoint, per block. */
    private static void printSlicing(PrintWriter out, SlicingConfig s) {
        if (s == null) {
            return;
        }
        out.printf(Locale.ROOT, "%nSliced (SliceGPT): embeddings %d of hidden %d, head reads %d%n", s.embeddingDimension(),
                s.hiddenSize(), s.headDimension());
        out.printf(Locale.ROOT, "%-6s  %12s  %12s  %12s  %12s%n", "block", "attn in", "attn out", "mlp in", "mlp out");
        for (int i = 0; i < s.layers(); i++) {
            out.printf(Locale.ROOT, "%-6d  %12d  %12d  %12d  %12d%n", i, s.attentionInput(i), s.attentionOutput(i),
                    s.mlpInput(i), s.mlpOutput(i));
        }
    }

    /** The weights stored in a bitmask layout: format, sparsity, and bytes against the dense tensor. */
    private static void printPacked(PrintWriter out, Map<String, SparseMatrix> packed) {
        if (packed.isEmpty()) {
            return;
        }
        int nameWidth = packed.keySet().stream().mapToInt(String::length).max().orElse(4);
        String row = "%-" + nameWidth + "s  %-28s  %-14s  %8s  %10s  %10s%n";
        out.printf(Locale.ROOT, "%nPacked weights (mapped and run on the sparse kernels as stored)%n");
        out.printf(Locale.ROOT, row, "weight", "format", "shape", "sparsity", "packed", "dense");
        long packedBytes = 0;
        long denseBytes = 0;
        for (Map.Entry<String, SparseMatrix> e : packed.entrySet()) {
            SparseMatrix m = e.getValue();
            long dense = (long) m.rows() * m.cols() * m.dtype().byteSize();
            packedBytes += m.storedBytes();
            denseBytes += dense;
            out.printf(Locale.ROOT, row, e.getKey(), format(m), "[" + m.rows() + ", " + m.cols() + "]",
                    String.format(Locale.ROOT, "%.1f%%", 100 * m.sparsity()), Bytes.human(m.storedBytes()),
                    Bytes.human(dense));
        }
        out.printf(Locale.ROOT, "%d packed weights: %s of values and bitmasks for %s dense, %s saved (%.1f%%)%n",
                packed.size(), Bytes.human(packedBytes), Bytes.human(denseBytes), Bytes.human(denseBytes - packedBytes),
                100.0 * (denseBytes - packedBytes) / denseBytes);
    }

    private static String format(SparseMatrix m) {
        return (m.structure() instanceof SparseStructure.NOfM ? "sparse-24-bitmask" : "sparse-bitmask")
                + " " + m.structure().label() + " " + m.dtype();
    }

    private void printJson(PrintWriter out, Path dir, ModelConfig c, Checkpoint ck, List<String> problems,
                           Map<String, SparseMatrix> packed, SlicingConfig slicing) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("path", dir.toAbsolutePath().normalize().toString());
        if (c != null) {
            root.set("config", c.toJson());
        }
        root.put("parameters", ck.parameterCount());
        root.put("bytes", ck.dataBytes());
        ArrayNode files = root.putArray("files");
        ck.files().forEach(f -> files.add(f.path().getFileName().toString()));
        ArrayNode p = root.putArray("problems");
        problems.forEach(p::add);
        ArrayNode tensors = root.putArray("tensors");
        for (Tensor t : ck.tensors().values()) {
            ObjectNode n = tensors.addObject().put("name", t.name()).put("dtype", t.dtype().name());
            ArrayNode shape = n.putArray("shape");
            Arrays.stream(t.shape().dims()).forEach(shape::add);
            n.put("bytes", t.byteSize()).put("file", t.source().getFileName().toString());
            if (zeros) {
                long z = t.countZeros();
                n.put("zeros", z).put("zero_fraction", t.numel() == 0 ? 0.0 : (double) z / t.numel());
            }
        }
        if (slicing != null) {
            root.set("slicing", slicing.toJson());
        }
        ArrayNode packedNodes = root.putArray("packed");
        packed.forEach((name, m) -> packedNodes.addObject().put("name", name).put("format", format(m))
                .put("rows", m.rows()).put("cols", m.cols()).put("sparsity", m.sparsity())
                .put("packed_bytes", m.storedBytes()).put("dense_bytes", (long) m.rows() * m.cols() * m.dtype().byteSize()));
        out.println(mapper.writeValueAsString(root));
    }

    private static String rope(RopeScaling s) {
        return switch (s) {
            case NoRopeScaling n -> "";
            case LinearRopeScaling l -> " (linear scaling ×" + fmt(l.factor()) + ")";
            case Llama3RopeScaling l -> " (llama3 scaling ×" + fmt(l.factor()) + " from " + l.originalMaxPositionEmbeddings() + ")";
        };
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
