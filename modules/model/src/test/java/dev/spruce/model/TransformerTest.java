package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.kernels.KernelProvider;

/** The forward pass against a double-precision reference, and the KV cache against full passes. */
class TransformerTest {

    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** The tiny shapes: multi-head, grouped-query, and qwen2 with q/k/v biases and an untied head. */
    enum Shape {
        MHA(TinyModels.config(ModelFamily.LLAMA, 32, 4, 4, 2, 61, true)),
        GQA(TinyModels.config(ModelFamily.LLAMA, 48, 6, 2, 3, 67, false)),
        QWEN2_BIAS(TinyModels.config(ModelFamily.QWEN2, 40, 4, 2, 2, 53, false));

        final ModelConfig config;

        Shape(ModelConfig config) {
            this.config = config;
        }
    }

    @Test
    void stories260kMatchesTheDoublePrecisionReference() throws IOException {
        try (LlamaModel model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get())) {
            int[] tokens = randomTokens(model.config().vocabSize(), 48, 7);
            assertMatchesReference(model, tokens, 1e-4);
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void tinyModelsMatchTheDoublePrecisionReference(Shape shape, @TempDir Path dir) throws IOException {
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            Path d = TinyModels.write(dir.resolve(dtype.name()), shape.config, dtype, 11);
            try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
                assertMatchesReference(model, randomTokens(shape.config.vocabSize(), 40, 3), 1e-4);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void prefillThenDecodeEqualsOneFullPass(Shape shape, @TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, shape.config, DType.BF16, 5);
        try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
            int[] tokens = randomTokens(shape.config.vocabSize(), 37, 9);
            int vocab = shape.config.vocabSize();
            float[] full = newSession(model, KvCacheType.F32, 64).forward(tokens, 0, tokens.length, true);

            Session s = newSession(model, KvCacheType.F32, 4);
            float[] prefill = s.forward(tokens, 0, 10, false);
            assertClose(slice(full, 9, vocab), prefill, 1e-5, "prefill of 10 in chunks of 4");
            for (int i = 10; i < tokens.length; i++) {
                assertClose(slice(full, i, vocab), s.decode(tokens[i]), 1e-5, "decode at position " + i);
            }
            assertEquals(tokens.length, s.position());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"BF16", "F16"})
    void halfPrecisionCachesStayCloseToF32(String type, @TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, Shape.GQA.config, DType.F32, 3);
        try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
            int[] tokens = randomTokens(model.config().vocabSize(), 30, 1);
            float[] exact = newSession(model, KvCacheType.F32, 8).forward(tokens, 0, tokens.length, true);
            try (Session s = newSession(model, KvCacheType.valueOf(type), 8)) {
                float[] half = s.forward(tokens, 0, tokens.length, true);
                // BF16 keeps 8 significant bits, F16 11: logits move by far less than 5% of their range.
                assertClose(exact, half, type.equals("BF16") ? 5e-2 : 5e-3, type + " cache");
                assertEquals(2L * model.config().numLayers() * model.config().kvDim() * 2, s.cache().bytesPerPosition());
            }
        }
    }

    @Test
    void threadsDoNotChangeTheResult() throws IOException {
        try (LlamaModel model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get());
             WorkerPool one = WorkerPool.create(1)) {
            int[] tokens = randomTokens(model.config().vocabSize(), 20, 2);
            float[] parallel = newSession(model, KvCacheType.F32, 8).forward(tokens, 0, tokens.length, true);
            Transformer single = new Transformer(model, one);
            float[] serial = new Session(single, KvCacheType.F32.create(model.config(), 64, model.kernels()), 8)
                    .forward(tokens, 0, tokens.length, true);
            // Each row's dot product is the same; only the prefill kernel's 4-row tiles shift at a
            // split point, which reorders one row's sum: agreement to float rounding, not bits.
            assertClose(serial, parallel, 1e-6, "one thread vs two");
            float[] decodeSerial = new Session(single, KvCacheType.F32.create(model.config(), 64, model.kernels()), 1)
                    .forward(tokens, 0, tokens.length, true);
            float[] decodeParallel = newSession(model, KvCacheType.F32, 1).forward(tokens, 0, tokens.length, true);
            // Rows split across threads compute the same dot products, but not always to the bit: the
            // Vector API leaves the order of a float reduceLanes(ADD) to the implementation, and its
            // interpreted and C2-compiled forms differ, so which tier ran a row shows in the last bit.
            assertClose(decodeSerial, decodeParallel, 1e-6, "decode (matvec), one thread vs two");
        }
    }

    @Test
    void observerSeesEveryLinearInputOfEveryBlock() throws IOException {
        try (LlamaModel model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get())) {
            ModelConfig c = model.config();
            Transformer t = new Transformer(model, pool);
            List<String> seen = new ArrayList<>();
            float[][] firstQInput = new float[1][];
            t.setObserver((layer, role, input, batch, features) -> {
                seen.add(layer + ":" + role + ":" + batch + ":" + features);
                if (layer == 0 && role == LinearRole.Q && firstQInput[0] == null) {
                    firstQInput[0] = java.util.Arrays.copyOf(input, batch * features);
                }
            });
            int[] tokens = {1, 300, 42};
            new Session(t, KvCacheType.F32.create(c, 16, model.kernels()), 8).forward(tokens, 0, 3, false);
            assertEquals(c.numLayers() * 7, seen.size());
            assertEquals("0:Q:3:64", seen.get(0));
            assertEquals("0:O:3:" + c.queryDim(), seen.get(3));
            assertEquals("4:DOWN:3:" + c.intermediateSize(), seen.get(seen.size() - 1));

            // Block 0's q input is the RMSNorm of the embeddings: check token 2 by hand.
            LlamaWeights w = LlamaWeights.bind(c, model.checkpoint());
            int d = c.hiddenSize();
            double ss = 0;
            for (int e = 0; e < d; e++) {
                ss += Math.pow(w.embeddings().floatAt(42L * d + e), 2);
            }
            double r = 1 / Math.sqrt(ss / d + c.rmsNormEps());
            for (int e = 0; e < d; e++) {
                double expected = w.layers().get(0).inputNorm().floatAt(e) * w.embeddings().floatAt(42L * d + e) * r;
                assertEquals(expected, firstQInput[0][2 * d + e], 1e-6);
            }

            t.setObserver(null);
            seen.clear();
            new Session(t, KvCacheType.F32.create(c, 16, model.kernels()), 8).forward(tokens, 0, 3, false);
            assertTrue(seen.isEmpty(), "a removed observer must not be called");
        }
    }

    @Test
    void contextOverflowAndBadTokensAreRejected() throws IOException {
        try (LlamaModel model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get())) {
            Session s = newSession(model, KvCacheType.F32, 4, 8);
            s.forward(new int[8], 0, 8, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.decode(5));
            assertTrue(e.getMessage().contains("context holds 8"), e.getMessage());
            Session s2 = newSession(model, KvCacheType.F32, 4, 8);
            e = assertThrows(IllegalArgumentException.class, () -> s2.decode(512));
            assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        }
    }

    private static Session newSession(LlamaModel model, KvCacheType type, int chunk) {
        return newSession(model, type, chunk, 64);
    }

    private static Session newSession(LlamaModel model, KvCacheType type, int chunk, int positions) {
        return new Session(new Transformer(model, pool), type.create(model.config(), positions, model.kernels()), chunk);
    }

    private static void assertMatchesReference(LlamaModel model, int[] tokens, double relative) throws IOException {
        double[][] expected = new NaiveLlama(LlamaWeights.bind(model.config(), model.checkpoint())).logits(tokens);
        float[] actual = newSession(model, KvCacheType.F32, 16).forward(tokens, 0, tokens.length, true);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < tokens.length; i++) {
            double scale = 0;
            double worst = 0;
            for (int v = 0; v < vocab; v++) {
                scale = Math.max(scale, Math.abs(expected[i][v]));
                worst = Math.max(worst, Math.abs(expected[i][v] - actual[i * vocab + v]));
            }
            assertTrue(worst <= relative * scale, "position " + i + ": max |diff| " + worst + " > " + relative
                    + " × max|logit| " + scale);
        }
    }

    static void assertClose(float[] expected, float[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= relative * scale, what + ": max |diff| " + worst + " > " + relative + " × " + scale);
    }

    private static float[] slice(float[] all, int row, int vocab) {
        return java.util.Arrays.copyOfRange(all, row * vocab, (row + 1) * vocab);
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
