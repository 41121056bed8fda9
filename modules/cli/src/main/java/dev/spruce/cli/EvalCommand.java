package dev.spruce.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.eval.EvalResult;
import dev.spruce.eval.EvalWindows;
import dev.spruce.eval.PerplexityEvaluator;
import dev.spruce.eval.Protocol;
import dev.spruce.eval.TopOneAgreement;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.attention.AttentionSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce eval}: perplexity under one of DESIGN.md's protocols. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure perplexity with a fixed protocol, so numbers compare across models and tools:",
                "  ts   TinyStories validation stories 700-999, each tokenised alone with BOS, concatenated,",
                "       cut into non-overlapping 256-token windows (for TinyStories models such as stories260K);",
                "  wt2  WikiText-2 raw test (Hugging Face rows joined with blank lines), tokenised once with BOS,",
                "       windows of min(2048, context) tokens (the number SparseGPT and Wanda report).",
                "Each window runs from position 0; ppl = exp(mean over windows of the mean next-token NLL)."})
final class EvalCommand implements Callable<Integer> {

    enum ProtocolName { ts, wt2 }

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "ts",
            description = "ts or wt2. Default: ${DEFAULT-VALUE}.")
    ProtocolName protocol;

    @Option(names = "--seqlen", paramLabel = "N",
            description = "Tokens per window. Default: 256 for ts, min(2048, max_position_embeddings) for wt2.")
    Integer seqlen;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "The evaluation text. Default: the protocol's file under ../shared/corpora.")
    Path corpus;

    @Option(names = "--limit", paramLabel = "N",
            description = "Evaluate only the first N windows (a quick look; not the protocol's number).")
    Integer limit;

    @Option(names = "--json", description = "Print one JSON document instead of text, for scripts.")
    boolean json;

    @Option(names = "--no-agreement",
            description = "With a sparse attention or compressed cache, skip the dense reference run that the top-1"
                    + " agreement needs.")
    boolean noAgreement;

    @Mixin
    AttentionOptions attentionOptions;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SparseWeightOptions sparseWeights;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Protocol p = Protocol.valueOf(protocol.name().toUpperCase(Locale.ROOT));
        Path text = corpus != null ? corpus : p.corpusIn(Defaults.corpora());
        if (!Files.isRegularFile(text)) {
            throw new UserInputException(text + ": evaluation text not found; pass --corpus FILE");
        }
        if (limit != null && limit < 1) {
            throw new UserInputException("--limit must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        AttentionSettings attention = attentionOptions.settings(modelOptions.mikv(), spec.commandLine().getErr());
        try (Engine engine = modelOptions.open(sparseWeights.policy())) {
            int n = seqlen != null ? seqlen : p.defaultSeqlen(engine.context());
            if (n < 2 || n > engine.context()) {
                throw new UserInputException("--seqlen must be between 2 and the context, " + engine.context());
            }
            EvalWindows all;
            try {
                all = p.windows(text, engine.tokenizer(), n);
            } catch (IllegalArgumentException e) {
                throw new UserInputException(text + ": " + e.getMessage());
            }
            EvalWindows w = limit == null ? all : all.first(limit);
            EvalResult r;
            KvCacheType storage = engine.options().cacheType();
            long kvBytes;
            long denseBytes = bytesPerPosition(AttentionSettings.DENSE, engine, n);
            try {
                kvBytes = bytesPerPosition(attention, engine, n);
            } catch (IllegalArgumentException e) {
                throw new UserInputException(e.getMessage());
            }
            boolean compare = !attention.isDense() && !noAgreement;
            int[][] predictions = compare ? TopOneAgreement.buffer(w) : null;
            int[][] reference = compare ? TopOneAgreement.buffer(w) : null;
            boolean quiet = common.quiet || json;
            if (compare) {
                try (ProgressBar bar = ProgressBar.counting(spec.commandLine().getErr(), "eval " + protocol + " dense",
                        quiet, "windows")) {
                    new PerplexityEvaluator(engine.transformer(), storage, 64)
                            .evaluate(w, (done, total, ppl) -> bar.update(done, total, ""), reference);
                }
            }
            try (ProgressBar bar = ProgressBar.counting(spec.commandLine().getErr(), "eval " + protocol, quiet,
                    "windows")) {
                r = new PerplexityEvaluator(engine.transformer(), storage, attention, 64)
                        .evaluate(w, (done, total, ppl) -> {
                            bar.suffix(String.format(Locale.ROOT, ", ppl %.4f", ppl));
                            bar.update(done, total, "");
                        }, predictions);
            }
            TopOneAgreement agreement = compare ? TopOneAgreement.of(reference, predictions, w) : null;
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("model", modelOptions.modelDir().toAbsolutePath().normalize().toString());
                o.put("protocol", r.protocol());
                o.put("perplexity", r.perplexity());
                o.put("windows", r.windows());
                o.put("seqlen", r.seqlen());
                o.put("stream_tokens", w.streamTokens());
                o.put("tokens_evaluated", r.predictions());
                o.put("seconds", r.seconds());
                o.put("tokens_per_second", r.tokensPerSecond());
                o.put("complete", w == all);
                o.put("attention", attention.describe());
                o.put("kv_bytes_per_position", kvBytes);
                o.put("dense_kv_bytes_per_position", denseBytes);
                if (agreement != null) {
                    o.put("top1_agreement_with_dense", agreement.fraction());
                    o.put("top1_agreeing_predictions", agreement.same());
                }
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "perplexity %.4f  (%s, %d windows × %d tokens%s; %d tokens evaluated of %d in the"
                                + " stream; %.1f s, %.0f tokens/s)%n",
                        r.perplexity(), r.protocol(), r.windows(), r.seqlen(), w == all ? "" : ", --limit: partial",
                        r.predictions(), w.streamTokens(), r.seconds(), r.tokensPerSecond());
                if (!attention.isDense()) {
                    out.printf(Locale.ROOT, "attention %s; KV %,d bytes per position (dense %,d, %.2fx)%s%n",
                            attention.describe(), kvBytes, denseBytes, (double) kvBytes / denseBytes,
                            agreement == null ? "" : String.format(Locale.ROOT,
                                    "; top-1 agreement with dense %.2f%% (%d of %d)", 100 * agreement.fraction(),
                                    agreement.same(), agreement.predictions()));
                }
            }
        }
        return ExitCode.OK;
    }

    /** Bytes a cache of {@code positions} under {@code attention} holds per position (made, measured, freed). */
    private static long bytesPerPosition(AttentionSettings attention, Engine engine, int positions) throws Exception {
        KvCache cache = attention.createCache(engine.model().config(), positions, engine.options().cacheType(),
                engine.model().kernels());
        long bytes = cache.bytesPerPosition();
        if (cache instanceof AutoCloseable c) {
            c.close();
        }
        return bytes;
    }
}
