package dev.spruce.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import dev.spruce.eval.EvalResult;
import dev.spruce.eval.EvalWindows;
import dev.spruce.eval.PerplexityEvaluator;
import dev.spruce.eval.Protocol;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.Transformer;
import picocli.CommandLine.Option;

/** Perplexity before and after a compression command ({@code prune}, {@code slice}). */
final class EvalOptions {

    enum ProtocolName { ts, wt2 }

    @Option(names = "--eval", paramLabel = "PROTOCOL",
            description = "Measure perplexity before and after with a protocol of 'spruce eval' (ts, wt2).")
    ProtocolName eval;

    @Option(names = "--eval-limit", paramLabel = "N",
            description = "Evaluate only the first N windows (a quick look; not the protocol's number).")
    Integer evalLimit;

    /** Whether to evaluate at all. */
    boolean enabled() {
        return eval != null;
    }

    void validate() throws UserInputException {
        if (evalLimit != null && evalLimit < 1) {
            throw new UserInputException("--eval-limit must be ≥ 1");
        }
    }

    /** The protocol's windows (the first {@code --eval-limit} of them), or null without {@code --eval}. */
    EvalWindows windows(Engine engine, Path corporaDir) throws IOException, UserInputException {
        if (eval == null) {
            return null;
        }
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

    /** Whether the windows are the protocol's full set. */
    boolean complete() {
        return evalLimit == null;
    }

    /** Perplexity of the model {@code transformer} runs, with a progress bar labelled {@code label}. */
    static double perplexity(Transformer transformer, KvCacheType cache, EvalWindows w, String label, PrintWriter err,
                             boolean quiet) {
        EvalResult r;
        try (ProgressBar bar = ProgressBar.counting(err, label, quiet, "windows")) {
            r = new PerplexityEvaluator(transformer, cache, 64).evaluate(w, (done, total, ppl) -> {
                bar.suffix(String.format(Locale.ROOT, ", ppl %.4f", ppl));
                bar.update(done, total, "");
            });
        }
        return r.perplexity();
    }
}
