package dev.spruce.compress.slice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Session;
import dev.spruce.model.TinyModels;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;

/**
 * Computational invariance: folding the RMSNorm scales into the linears (weightless norms, untied
 * head) leaves the logits unchanged, on tiny random models and on stories260K.
 */
class NormFusionTest {

    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Multi-head with a tied head, grouped-query untied, and qwen2 with q/k/v biases. */
    enum Shape {
        MHA_TIED(TinyModels.config(ModelFamily.LLAMA, 32, 4, 4, 2, 61, true)),
        GQA(TinyModels.config(ModelFamily.LLAMA, 48, 6, 2, 3, 67, false)),
        QWEN2_BIAS(TinyModels.config(ModelFamily.QWEN2, 40, 4, 2, 2, 53, false));

        final ModelConfig config;

        Shape(ModelConfig config) {
            this.config = config;
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void fusedTinyModelsComputeTheSameLogits(Shape shape, @TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, shape.config, DType.F32, 7);
        try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
            LlamaModel fused = NormFusion.fuse(model);
            for (DecoderLayer l : fused.layers()) {
                for (float g : l.inputNorm()) {
                    assertEquals(1f, g);
                }
            }
            assertTrue(fused.lmHead() != null && !fused.config().tieWordEmbeddings());
            int[] tokens = randomTokens(shape.config.vocabSize(), 33, 4);
            assertClose(logits(model, tokens), logits(fused, tokens), 1e-5, shape.name());
        }
    }

    @Test
    void fusedStories260kComputesTheSameLogits() throws IOException {
        try (LlamaModel model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get())) {
            LlamaModel fused = NormFusion.fuse(model);
            int[] tokens = randomTokens(model.config().vocabSize(), 96, 11);
            assertClose(logits(model, tokens), logits(fused, tokens), 1e-5, "stories260K");
            assertNull(fused.checkpoint(), "in memory");
        }
    }

    @Test
    void refusesScalesThatCannotBeFoldedAndSlicedModels(@TempDir Path dir) throws IOException {
        try (LlamaModel model = LlamaModel.load(TinyModels.write(dir, Shape.GQA.config, DType.F32, 2),
                KernelProvider.get())) {
            model.layers().get(1).postAttentionNorm()[3] = Float.POSITIVE_INFINITY;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NormFusion.requireFusable(model));
            assertTrue(e.getMessage().contains("model.layers.1.post_attention_layernorm.weight holds a non-finite scale"
                    + " (Infinity at index 3): it cannot be folded into gate/up"), e.getMessage());
        }
    }

    private static float[] logits(LlamaModel model, int[] tokens) {
        return logits(model, tokens, pool);
    }

    /** Every position's logits of one forward pass over {@code tokens}. */
    static float[] logits(LlamaModel model, int[] tokens, WorkerPool pool) {
        Transformer t = new Transformer(model, pool);
        try (Session s = new Session(t, KvCacheType.F32.create(model.config(), tokens.length, model.kernels()), 16)) {
            return s.forward(tokens, 0, tokens.length, true);
        }
    }

    static void assertClose(float[] expected, float[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(worst <= relative * scale, what + ": max |diff| " + worst + " > " + relative + " × max |logit| " + scale);
    }

    static int[] randomTokens(int vocab, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = r.nextInt(3, vocab);
        }
        return t;
    }
}
