package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.checkpoint.llama.WeightBindingException;
import dev.spruce.kernels.KernelProvider;

/**
 * Sliced checkpoints (per-layer residual widths, weightless norms, shortcut matrices) run on the
 * engine as SliceGPT's modelling code defines them: checked against the double-precision reference,
 * for prefill and decode, with widths that shrink, grow back to the full hidden size and change
 * inside a block.
 */
class SlicedModelTest {

    private static WorkerPool pool;

    /** Grouped-query attention, an untied head, hidden 48. */
    private static final ModelConfig CONFIG = TinyModels.config(ModelFamily.LLAMA, 48, 6, 2, 3, 67, false);

    /**
     * Widths: embeddings 40; block 0 40 → 32 → 40; block 1 40 → 48 (full width: plain epsilon) → 24;
     * block 2 24 → 32 → 48 for an unsliced head.
     */
    private static final SlicingConfig SLICING = new SlicingConfig(48, false, false, 40, List.of(40, 40, 24),
            List.of(32, 48, 32), List.of(32, 48, 32), List.of(40, 24, 48), 48, null);

    @BeforeAll
    static void startPool() {
        pool = WorkerPool.create(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @Test
    void slicedCheckpointMatchesTheReferenceInPrefillAndDecode(@TempDir Path dir) throws IOException {
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            Path d = TinyModels.write(dir.resolve(dtype.name()), CONFIG, SLICING, dtype, 17);
            try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
                assertNotNull(model.slicing());
                assertEquals(40, model.embeddings().cols());
                assertEquals(24, model.layers().get(1).outputWidth());
                assertEquals(48, model.finalNorm().length);
                int[] tokens = TransformerTest.randomTokens(CONFIG.vocabSize(), 29, 5);
                double[][] expected = new NaiveLlama(LlamaWeights.bind(model.config(), model.checkpoint()))
                        .logits(tokens);
                int vocab = CONFIG.vocabSize();

                float[] full = session(model, 8).forward(tokens, 0, tokens.length, true);
                for (int i = 0; i < tokens.length; i++) {
                    assertClose(expected[i], full, i * vocab, vocab, 1e-4, dtype + " prefill, position " + i);
                }
                Session s = session(model, 4);
                s.forward(tokens, 0, 9, false);
                for (int i = 9; i < tokens.length; i++) {
                    assertClose(expected[i], s.decode(tokens[i]), 0, vocab, 1e-4, dtype + " decode, position " + i);
                }
            }
        }
    }

    @Test
    void denseCheckpointsHaveNoSlicing(@TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, CONFIG, DType.F32, 3);
        try (LlamaModel model = LlamaModel.load(d, KernelProvider.get())) {
            assertNull(model.slicing());
            for (DecoderLayer l : model.layers()) {
                assertNull(l.attnShortcut());
                assertNull(l.mlpShortcut());
            }
        }
    }

    @Test
    void widthsThatDoNotChainAreRefusedNamingTheKey(@TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, CONFIG, SLICING, DType.F32, 1);
        String sidecar = Files.readString(d.resolve(SlicingConfig.SIDECAR));
        Files.writeString(d.resolve(SlicingConfig.SIDECAR), sidecar.replaceFirst("\"1\" : 40", "\"1\" : 32"));
        WeightBindingException e = assertThrows(WeightBindingException.class,
                () -> LlamaModel.load(d, KernelProvider.get()));
        assertTrue(e.getMessage().contains("layer 1: attention_input_dimensions 32 must equal the width 40"),
                e.getMessage());

        Files.delete(d.resolve(SlicingConfig.SIDECAR));
        e = assertThrows(WeightBindingException.class, () -> LlamaModel.load(d, KernelProvider.get()));
        assertTrue(e.getMessage().contains("shortcut matrices ('model.layers.0.attn_shortcut_Q')"), e.getMessage());
    }

    @Test
    void blocksWhoseWidthsDoNotChainCannotBeBuilt() {
        Linear q = DenseLinear.ofFloats("q", new float[48 * 40], 48, 40, null, KernelProvider.get());
        Linear kv = DenseLinear.ofFloats("kv", new float[16 * 40], 16, 40, null, KernelProvider.get());
        Linear o = DenseLinear.ofFloats("o", new float[32 * 48], 32, 48, null, KernelProvider.get());
        Linear gate = DenseLinear.ofFloats("gate", new float[139 * 32], 139, 32, null, KernelProvider.get());
        Linear down = DenseLinear.ofFloats("down", new float[32 * 139], 32, 139, null, KernelProvider.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DecoderLayer(
                new float[40], q, kv, kv, o, new float[32], gate, gate, down));
        assertTrue(e.getMessage().contains("without a shortcut matrix the residual around attention keeps its width"),
                e.getMessage());
    }

    private static Session session(LlamaModel model, int chunk) {
        return new Session(new Transformer(model, pool), KvCacheType.F32.create(model.config(), 64, model.kernels()),
                chunk);
    }

    static void assertClose(double[] expected, float[] actual, int offset, int n, double relative, String what) {
        double scale = 0;
        double worst = 0;
        for (int v = 0; v < n; v++) {
            scale = Math.max(scale, Math.abs(expected[v]));
            worst = Math.max(worst, Math.abs(expected[v] - actual[offset + v]));
        }
        assertTrue(worst <= relative * scale, what + ": max |diff| " + worst + " > " + relative + " × " + scale);
    }
}
