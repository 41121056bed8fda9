package dev.spruce.compress.pipeline;

import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.compress.prune.DsnotRefiner;
import dev.spruce.model.LinearRole;

/**
 * The record of a pruning run: the {@code spruce.json} sidecar (what was done, per tensor) and the
 * human report ({@code prune-report.md}) with its JSON twin ({@code prune-report.json}).
 *
 * @param source        the source checkpoint directory
 * @param sourceSidecar the source's own {@code spruce.json}, or null (pruning an already pruned model)
 * @param perplexity    before/after, or null when not measured
 * @param versions      name → version (spruce, java)
 */
public record PruneReport(String source, JsonNode sourceSidecar, PipelineOptions options, CalibrationInfo calibration,
                          PipelineResult result, PerplexityInfo perplexity, Map<String, String> versions) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The sidecar: method, options, pattern, calibration and checksum, per-tensor sparsity, time, versions, perplexity. */
    public ObjectNode sidecar() {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "spruce prune");
        root.put("source", source);
        ObjectNode prune = root.putObject("prune");
        prune.put("method", options.method().id());
        prune.put("pattern", options.pattern().toString());
        prune.put("target_sparsity", options.pattern().sparsity());
        prune.put("plan", options.plan().id());
        ObjectNode dsnot = prune.putObject("dsnot");
        dsnot.put("enabled", options.dsnot() != null);
        if (options.dsnot() != null) {
            DsnotRefiner.Options d = options.dsnotOptions();
            dsnot.put("mode", options.dsnot().id());
            dsnot.put("max_cycle_time", d.maxCycles());
            dsnot.put("update_threshold", d.updateThreshold());
            dsnot.put("pow_of_var_regrowing", d.varianceExponent());
            dsnot.put("stop_on_sign_flip", d.stopOnSignFlip());
        }
        if (options.method() == PruneMethod.SPARSEGPT) {
            prune.put("blocksize", 128);
            prune.put("percdamp", 0.01);
        }
        prune.put("achieved_sparsity", result.sparsity());
        prune.put("seconds", result.seconds());
        root.set("calibration", calibration.toJson());
        if (perplexity != null) {
            root.set("perplexity", perplexity.toJson());
        }
        ObjectNode tensors = root.putObject("tensors");
        for (BlockReport b : result.blocks()) {
            for (LinearReport l : b.linears()) {
                ObjectNode t = tensors.putObject(l.tensor());
                t.put("pattern", l.pattern());
                t.put("sparsity", l.sparsity());
                t.put("dsnot", l.dsnot());
            }
        }
        ObjectNode v = root.putObject("versions");
        versions.forEach(v::put);
        if (sourceSidecar != null) {
            root.set("source_spruce", sourceSidecar);
        }
        return root;
    }

    /** The report as JSON: per block and linear, sparsity, relative reconstruction error and time. */
    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("source", source);
        root.put("method", options.describe());
        root.put("achieved_sparsity", result.sparsity());
        root.put("seconds", result.seconds());
        root.set("calibration", calibration.toJson());
        if (perplexity != null) {
            root.set("perplexity", perplexity.toJson());
        }
        ArrayNode blocks = root.putArray("blocks");
        for (BlockReport b : result.blocks()) {
            ObjectNode o = blocks.addObject();
            o.put("layer", b.layer());
            o.put("target_sparsity", b.targetSparsity());
            if (!Double.isNaN(b.outlierRatio())) {
                o.put("outlier_ratio", b.outlierRatio());
            }
            o.put("sparsity", b.sparsity());
            o.put("seconds", b.seconds());
            ArrayNode linears = o.putArray("linears");
            for (LinearReport l : b.linears()) {
                ObjectNode x = linears.addObject();
                x.put("tensor", l.tensor());
                x.put("role", l.role().module());
                x.put("shape", l.rows() + "x" + l.cols());
                x.put("sparsity", l.sparsity());
                if (Double.isFinite(l.relativeError())) {
                    x.put("relative_error", l.relativeError());
                }
                x.put("dsnot", l.dsnot());
                x.put("seconds", l.seconds());
            }
        }
        return root;
    }

    /** The report as Markdown: a summary, then one row per block with each linear's sparsity and error. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Pruning report\n\n");
        md.append("- source: `").append(source).append("`\n");
        md.append("- method: ").append(options.describe()).append('\n');
        md.append(String.format(Locale.ROOT, "- achieved sparsity of the pruned linears: %.4f%n", result.sparsity()));
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
        int measured = Math.min(options.errorWindows(), calibration.nsamples());
        md.append("Per linear: sparsity (fraction of exact zeros) / relative reconstruction error ‖WX − ŴX‖/‖WX‖ over"
                + (measured == calibration.nsamples() ? " all" : " the first") + " " + measured
                + " calibration windows.\n\n");
        md.append("| block | target |");
        for (LinearRole r : LinearRole.values()) {
            md.append(' ').append(r.name().toLowerCase(Locale.ROOT)).append(" |");
        }
        md.append(" block sparsity | s |\n|---|---|");
        md.append("---|".repeat(LinearRole.values().length)).append("---|---|\n");
        for (BlockReport b : result.blocks()) {
            md.append(String.format(Locale.ROOT, "| %d | %.3f |", b.layer(), b.targetSparsity()));
            for (LinearReport l : b.linears()) {
                String error = Double.isFinite(l.relativeError())
                        ? String.format(Locale.ROOT, "%.4f", l.relativeError()) : "–";
                md.append(String.format(Locale.ROOT, " %.3f / %s%s |", l.sparsity(), error, l.dsnot() ? "ᴰ" : ""));
            }
            md.append(String.format(Locale.ROOT, " %.4f | %.1f |%n", b.sparsity(), b.seconds()));
        }
        if (options.dsnot() != null) {
            md.append("\nᴰ: refined by DSnoT.\n");
        }
        return md.toString();
    }
}
