package dev.spruce.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.llama2c.Llama2cConverter;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;
import dev.spruce.model.tokenizer.Llama2cTokenizer;
import dev.spruce.model.tokenizer.Tokenizer;

/** DESIGN.md's TS protocol on the real stories260K model, against the reference values. */
class TsProtocolTest {

    /** An independent reference implementation's perplexity for stories260K on this protocol. */
    private static final double REFERENCE_PPL = 4.9189;

    private static EvalWindows windows(Tokenizer tokenizer) throws IOException {
        Path corpus = Protocol.TS.corpusIn(SharedData.root().resolve("corpora"));
        return Protocol.TS.windows(corpus, tokenizer, 256);
    }

    @Test
    void windowsMatchTheProtocol() throws IOException {
        EvalWindows w = windows(Llama2cTokenizer.read(SharedData.tok512()));
        assertEquals(112_727, w.streamTokens());
        assertEquals(440, w.windows().size());
        assertEquals(440L * 255, w.predictions());
        int[] first = Arrays.copyOf(w.windows().get(0), 17);
        assertArrayEquals(new int[] {1, 291, 328, 286, 261, 421, 423, 414, 356, 334, 330, 269, 265, 262, 379, 286, 280},
                first, "BOS, then the first evaluation story's ids");
    }

    @Test
    void stories260kPerplexityMatchesTheReference() throws IOException {
        double ppl = perplexity(SharedData.stories260kHf());
        assertEquals(REFERENCE_PPL, ppl, REFERENCE_PPL * 1e-3, "within 0.1% of the reference");
    }

    @Test
    void theLlama2cOriginalConvertedGivesTheSamePerplexity(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("converted");
        Llama2cConverter.convert(SharedData.stories260kBin(), SharedData.tok512(), out, false, (d, t, n) -> { });
        // The same weights through another path: equal on the first 60 windows (the full run is above).
        assertEquals(perplexity(SharedData.stories260kHf(), 60), perplexity(out, 60), 1e-6);
    }

    private static double perplexity(Path model) throws IOException {
        return perplexity(model, 440);
    }

    private static double perplexity(Path model, int windows) throws IOException {
        EvalWindows all = windows(Llama2cTokenizer.read(SharedData.tok512()));
        EvalWindows w = all.first(windows);
        try (LlamaModel m = LlamaModel.load(model, KernelProvider.get()); WorkerPool pool = WorkerPool.create(2)) {
            EvalResult r = new PerplexityEvaluator(new Transformer(m, pool), KvCacheType.F32, 64).evaluate(w, null);
            assertEquals(windows, r.windows());
            assertTrue(r.tokensPerSecond() > 0);
            return r.perplexity();
        }
    }
}
