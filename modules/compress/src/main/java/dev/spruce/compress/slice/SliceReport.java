package dev.spruce.compress.slice;

import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.compress.pipeline.CalibrationInfo;
import dev.spruce.compress.pipeline.PerplexityInfo;

/**
 * The record of a slicing run: the {@code spruce.json} sidecar (what was done, the
 * {@code slicing_config} the loader needs, parameter counts, calibration, perplexity) and the human
 * report ({@code slice-report.md}) with its JSON twin ({@code slice-report.json}).
 *
 * @param source        the source checkpoint directory
 * @param sourceSidecar the source's own {@code spruce.json} (a pruned model's), or null
 * @param perplexity    before/after, or null when not measured
 * @param versions      name → version (spruce, java)
 */
public record SliceReport(String source, JsonNode sourceSidecar, SliceResult result, CalibrationInfo calibration,
                          PerplexityInfo perplexity, Map<String, String> versions) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The sidecar. */
    public ObjectNode sidecar() {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "spruce slice");
        root.put("source", source);
        root.set("slice", sliceJson());
        root.set(SlicingConfig.KEY, result.slicing().toJson());
        root.set("parameters", parametersJson());
        root.set("calibration", calibration.toJson());
        if (perplexity != null) {
            root.set("perplexity", perplexity.toJson());
        }
        ObjectNode v = root.putObject("versions");
        versions.forEach(v::put);
        if (sourceSidecar != null) {
            root.set("source_spruce", sourceSidecar);
        }
        return root;
    }

    /** The report as JSON: the sidecar's numbers plus every PCA step. */
    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("source", source);
        root.set("slice", sliceJson());
        root.set("parameters", parametersJson());
        root.set("calibration", calibration.toJson());
        if (perplexity != null) {
            root.set("perplexity", perplexity.toJson());
        }
        ArrayNode steps = root.putArray("pca");
        for (PcaStep s : result.steps()) {
            ObjectNode o = steps.addObject();
            o.put("site", s.site());
            if (s.layer() >= 0) {
                o.put("layer", s.layer());
            }
            o.put("kept", s.kept());
            o.put("explained_variance", s.explained());
        }
        return root;
    }

    /** The report as Markdown: a summary, the parameter counts, then one row per block. */
    public String markdown() {
        SliceOptions o = result.options();
        SlicingConfig s = result.slicing();
        ParameterCount before = result.before();
        ParameterCount after = result.after();
        StringBuilder md = new StringBuilder();
        md.append("# Slicing report (SliceGPT)\n\n");
        md.append("- source: `").append(source).append("`\n");
        md.append(String.format(Locale.ROOT, "- slicing %s: residual %d → %d of %d dimensions (rounded to multiples of"
                + " %d), head not sliced%n", o.slicing(), s.hiddenSize(), result.dimension(), s.hiddenSize(),
                o.roundInterval()));
        md.append(String.format(Locale.ROOT, "- parameters: %,d → %,d (%.2f%%), shortcut matrices included%n",
                before.total(), after.total(), 100.0 * after.total() / before.total()));
        md.append(String.format(Locale.ROOT, "- calibration: %s (`%s`, sha256 %s), %d documents joined %s = %d tokens;"
                        + " %d × %d %s windows, seed %d%n", calibration.dataset(), calibration.file(), calibration.sha256(),
                calibration.documents(), calibration.join(), calibration.streamTokens(), calibration.nsamples(),
                calibration.seqlen(), calibration.windows(), calibration.seed()));
        if (perplexity != null) {
            md.append(String.format(Locale.ROOT, "- perplexity (%s, %d windows × %d%s): %.4f → %.4f%n",
                    perplexity.protocol(), perplexity.windows(), perplexity.seqlen(),
                    perplexity.complete() ? "" : ", partial", perplexity.before(), perplexity.after()));
        }
        md.append(String.format(Locale.ROOT, "- time: %.1f s%n%n", result.seconds()));
        md.append("| parameters | embeddings | attention | MLP | shortcuts | norms | head | total |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        row(md, "before", before);
        row(md, "after", after);
        md.append("\nPer block: residual widths in → between attention and MLP → out, and the fraction of the"
                + " calibration variance the kept directions hold at the MLP's input and at the block's output.\n\n");
        md.append("| block | in | mid | out | variance kept (MLP input) | variance kept (output) |\n");
        md.append("|---|---|---|---|---|---|\n");
        double[] mid = new double[s.layers()];
        double[] out = new double[s.layers()];
        double embeddings = Double.NaN;
        for (PcaStep p : result.steps()) {
            switch (p.site()) {
                case "embeddings" -> embeddings = p.explained();
                case "attention" -> mid[p.layer()] = p.explained();
                default -> out[p.layer()] = p.explained();
            }
        }
        md.append(String.format(Locale.ROOT, "| embeddings | | | %d | | %.4f |%n", s.embeddingDimension(), embeddings));
        for (int i = 0; i < s.layers(); i++) {
            md.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %.4f | %.4f |%n", i, s.attentionInput(i),
                    s.attentionOutput(i), s.mlpOutput(i), mid[i], out[i]));
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String label, ParameterCount p) {
        md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n", label, p.embeddings(),
                p.attention(), p.mlp(), p.shortcuts(), p.norms(), p.head(), p.total()));
    }

    private ObjectNode sliceJson() {
        SliceOptions o = result.options();
        ObjectNode n = JSON.createObjectNode();
        n.put("method", "slicegpt");
        n.put("slicing", o.slicing());
        n.put("round_interval", o.roundInterval());
        n.put("dimension", result.dimension());
        n.put("hidden_size", result.slicing().hiddenSize());
        n.put("do_slice_head", result.slicing().doSliceHead());
        n.put("norms", "fused: scales folded into q/k/v, gate/up and lm_head; weightless RMSNorm over hidden_size");
        n.put("embedding_mean_subtracted", false);
        n.put("pca", "uncentred covariance of every calibration token in double, damped by "
                + Pca.DAMPING + " × mean diagonal, symmetric eigendecomposition (EJML), eigenvalues descending");
        n.put("seconds", result.seconds());
        return n;
    }

    private ObjectNode parametersJson() {
        ObjectNode n = JSON.createObjectNode();
        n.set("before", countJson(result.before()));
        n.set("after", countJson(result.after()));
        n.put("ratio", (double) result.after().total() / result.before().total());
        return n;
    }

    private static ObjectNode countJson(ParameterCount p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("total", p.total());
        n.put("embeddings", p.embeddings());
        n.put("attention", p.attention());
        n.put("mlp", p.mlp());
        n.put("shortcuts", p.shortcuts());
        n.put("norms", p.norms());
        n.put("head", p.head());
        return n;
    }
}
