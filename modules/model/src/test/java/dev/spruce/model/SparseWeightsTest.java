package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.kernels.WeightDtype;

/** Block linears on the sparse kernels: chosen by the policy, and computing what the dense model does. */
class SparseWeightsTest {

    private static final ModelConfig CONFIG = TinyModels.config(ModelFamily.QWEN2, 48, 6, 2, 2, 67, false);

    @Test
    void everyBlockLinearPackedGivesTheReferenceLogits(@TempDir Path dir) throws IOException {
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            Path d = TinyModels.write(dir.resolve(dtype.name()), CONFIG, dtype, 5);
            SparseWeightPolicy on = new SparseWeightPolicy(SparseWeightPolicy.Mode.ON, 0.5);
            try (LlamaModel model = LlamaModel.load(d, KernelProvider.get(), on);
                 WorkerPool pool = WorkerPool.create(2)) {
                for (DecoderLayer layer : model.layers()) {
                    for (LinearRole role : LinearRole.values()) {
                        assertInstanceOf(SparseLinear.class, layer.linear(role), role.name());
                    }
                }
                assertInstanceOf(DenseLinear.class, model.lmHead());
                int[] tokens = TransformerTest.randomTokens(CONFIG.vocabSize(), 17, 9);
                double[][] expected = new NaiveLlama(LlamaWeights.bind(model.config(), model.checkpoint())).logits(tokens);
                int vocab = CONFIG.vocabSize();
                Session prefill = new Session(new Transformer(model, pool),
                        KvCacheType.F32.create(model.config(), 32, model.kernels()), 8);
                float[] all = prefill.forward(tokens, 0, tokens.length, true);
                Session decode = new Session(new Transformer(model, pool),
                        KvCacheType.F32.create(model.config(), 32, model.kernels()), 8);
                decode.forward(tokens, 0, 5, false);
                for (int i = 0; i < tokens.length; i++) {
                    SlicedModelTest.assertClose(expected[i], all, i * vocab, vocab, 1e-4, dtype + " prefill " + i);
                    if (i >= 5) {
                        SlicedModelTest.assertClose(expected[i], decode.decode(tokens[i]), 0, vocab, 1e-4,
                                dtype + " decode " + i);
                    }
                }
            }
        }
    }

    @Test
    void autoKeepsADenseModelDense(@TempDir Path dir) throws IOException {
        Path d = TinyModels.write(dir, CONFIG, DType.F32, 5);
        try (LlamaModel model = LlamaModel.load(d, KernelProvider.get(), SparseWeightPolicy.AUTO)) {
            for (LinearRole role : LinearRole.values()) {
                assertInstanceOf(DenseLinear.class, model.layers().get(0).linear(role), role.name());
            }
        }
    }

    @Test
    void sparseEnoughCountsZerosAgainstTheThreshold() {
        float[] w = new float[64 * 8];
        for (int i = 0; i < w.length; i++) {
            w[i] = i % 4 == 0 ? 1 : 0;  // 75 % zeros
        }
        DenseMatrix m = new DenseMatrix(MemorySegment.ofArray(w), WeightDtype.F32, 64, 8);
        assertTrue(BlockLinears.sparseEnough(m, 0.75));
        assertFalse(BlockLinears.sparseEnough(m, 0.76));
        assertTrue(BlockLinears.sparseEnough(m, 0));
    }
}
