package dev.spruce.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.attention.ChannelCalibration;
import dev.spruce.model.attention.ChannelCalibrator;
import dev.spruce.model.attention.DoubleSparsitySettings;
import dev.spruce.model.attention.H2oSettings;
import dev.spruce.model.attention.HighPrecision;
import dev.spruce.model.attention.MikvSettings;
import dev.spruce.model.Session;
import dev.spruce.model.tokenizer.Llama2cTokenizer;

/**
 * The TS protocol on stories260K with sparse attention and compressed caches, teacher-forced at
 * every position, on the first windows: the papers' ordering at equal budgets holds, and the
 * agreement with dense is measured.
 */
class SparseAttentionEvalTest {

    private static final int WINDOWS = 16;
    private static LlamaModel model;
    private static WorkerPool pool;
    private static Transformer transformer;
    private static EvalWindows windows;
    private static int[][] dense;
    private static double densePpl;

    @BeforeAll
    static void setUp() throws IOException {
        model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get());
        pool = WorkerPool.create(2);
        transformer = new Transformer(model, pool);
        Path corpus = Protocol.TS.corpusIn(SharedData.root().resolve("corpora"));
        windows = Protocol.TS.windows(corpus, Llama2cTokenizer.read(SharedData.tok512()), 256).first(WINDOWS);
        dense = TopOneAgreement.buffer(windows);
        densePpl = new PerplexityEvaluator(transformer, KvCacheType.F32, 64).evaluate(windows, null, dense).perplexity();
    }

    @AfterAll
    static void tearDown() {
        pool.close();
        model.close();
    }

    private record Run(double ppl, double agreement) {
    }

    private static Run run(AttentionSettings s) {
        int[][] p = TopOneAgreement.buffer(windows);
        double ppl = new PerplexityEvaluator(transformer, KvCacheType.F32, s, 64).evaluate(windows, null, p).perplexity();
        return new Run(ppl, TopOneAgreement.of(dense, p, windows).fraction());
    }

    /** Channels ranked on the calibration pool's first windows (stories 0-699 precede the evaluation stories). */
    private static ChannelCalibration calibrate() throws IOException {
        Path corpus = Protocol.TS.corpusIn(SharedData.root().resolve("corpora"));
        var stories = CorpusFiles.stories(corpus).subList(0, 40);
        int[] stream = Protocol.tokens(stories, Llama2cTokenizer.read(SharedData.tok512()));
        ChannelCalibrator calibrator = new ChannelCalibrator(model.config(), 256, model.kernels());
        try (Session s = new Session(transformer, calibrator, 64)) {
            for (int from = 0; from + 256 <= stream.length; from += 256) {
                s.reset();
                s.forward(stream, from, 256, false);
            }
        }
        return calibrator.result(ChannelCalibration.Mode.QK, null);
    }

    @Test
    void sparsePoliciesDegradeInThePapersOrder() throws IOException {
        ChannelCalibration channels = calibrate();
        Run ds = run(AttentionSettings.doubleSparse(new DoubleSparsitySettings(0.5, 0, 0.5, 0, 16, 2, channels)));
        Run h2o = run(AttentionSettings.h2o(H2oSettings.of(0.5)));
        Run mikv = run(AttentionSettings.mikv(MikvSettings.of(0.2, HighPrecision.BF16, 4)));
        Run h2o20 = run(AttentionSettings.h2o(H2oSettings.of(0.2)));
        String all = String.format("dense %.4f; ds 1/2 %s; h2o 50%% %s; mikv 20%% int4 %s; h2o 20%% %s", densePpl, ds, h2o,
                mikv, h2o20);
        assertTrue(ds.ppl() < h2o.ppl(), "double sparsity beats h2o at half the tokens: " + all);
        assertTrue(mikv.ppl() < h2o20.ppl(), "mikv keeps what h2o drops at 20%: " + all);
        assertTrue(ds.agreement() > h2o.agreement() && mikv.agreement() > h2o20.agreement(), all);
        assertTrue(ds.ppl() >= densePpl * 0.99 && ds.agreement() < 1, all);
    }

    @Test
    void aFullBudgetGivesTheDensePerplexity() {
        Run full = run(AttentionSettings.h2o(H2oSettings.of(1)));
        assertEquals(densePpl, full.ppl(), densePpl * 1e-6);
        assertEquals(1.0, full.agreement());
    }
}
