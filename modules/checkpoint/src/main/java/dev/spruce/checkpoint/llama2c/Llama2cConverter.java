package dev.spruce.checkpoint.llama2c;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import dev.spruce.checkpoint.llama.ExpectedTensor;
import dev.spruce.checkpoint.llama.LlamaTensorLayout;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.checkpoint.llama2c.Llama2cHeader.Array;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.spruce.checkpoint.llama.LlamaTensorNames.layer;

/**
 * Converts a llama2.c checkpoint to a Hugging Face Llama checkpoint (F32 safetensors and
 * {@code config.json}), keeping the tokenizer file beside it.
 *
 * <p>llama2.c rotates adjacent pairs {@code (2i, 2i+1)} of each head; Hugging Face rotates halves
 * {@code (i, i + headDim/2)}. The q and k rows are permuted accordingly, as Hugging Face's own
 * conversion script does, so both formats compute the same function.
 */
public final class Llama2cConverter {

    private Llama2cConverter() {
    }

    /** The config a llama2.c header implies (llama2.c fixes eps 1e-5, theta 10000, BOS 1, EOS 2). */
    public static ModelConfig configOf(Llama2cHeader h) {
        return new ModelConfig(ModelFamily.LLAMA, h.dim(), h.hiddenDim(), h.layers(), h.heads(), h.kvHeads(),
                h.headDim(), h.vocabSize(), h.seqLen(), 1e-5, 10000.0, NoRopeScaling.INSTANCE, h.sharedClassifier(),
                false, false, false, List.of(1), List.of(2), "float32");
    }

    /**
     * Writes {@code out} from {@code model} and {@code tokenizer}.
     *
     * @param force replace an existing checkpoint in {@code out}
     */
    public static void convert(Path model, Path tokenizer, Path out, boolean force, WriteProgress progress)
            throws IOException {
        try (Llama2cModel m = Llama2cModel.open(model)) {
            Llama2cHeader h = m.header();
            Llama2cTokenizerFile.check(tokenizer, h.vocabSize());
            ModelConfig config = configOf(h);
            List<ExpectedTensor> expected = LlamaTensorLayout.expected(config);
            Map<String, Source> sources = sources(m);
            List<TensorSpec> specs = expected.stream().map(e -> new TensorSpec(e.name(), DType.F32, e.shape())).toList();
            try (CheckpointWriter w = CheckpointWriter.create(out, force)) {
                w.writeJson(ModelConfig.FILE_NAME, config.toJson());
                w.copyFile(tokenizer, tokenizer.getFileName().toString());
                w.writeTensors(specs, (spec, target) -> sources.get(spec.name()).copyTo(target, h.headDim()),
                        CheckpointWriter.DEFAULT_SHARD_BYTES, progress);
                w.commit();
            }
        }
    }

    /** Where each Hugging Face tensor's values are in the llama2.c file. */
    private static Map<String, Source> sources(Llama2cModel m) {
        Llama2cHeader h = m.header();
        Map<String, Source> s = new HashMap<>();
        s.put(LlamaTensorNames.EMBED, new Source(m.array(Array.TOKEN_EMBEDDING), 0));
        for (int l = 0; l < h.layers(); l++) {
            s.put(layer(l, "input_layernorm.weight"), perLayer(m, Array.RMS_ATT, l, 0));
            s.put(layer(l, "self_attn.q_proj.weight"), perLayer(m, Array.WQ, l, h.heads()));
            s.put(layer(l, "self_attn.k_proj.weight"), perLayer(m, Array.WK, l, h.kvHeads()));
            s.put(layer(l, "self_attn.v_proj.weight"), perLayer(m, Array.WV, l, 0));
            s.put(layer(l, "self_attn.o_proj.weight"), perLayer(m, Array.WO, l, 0));
            s.put(layer(l, "post_attention_layernorm.weight"), perLayer(m, Array.RMS_FFN, l, 0));
            s.put(layer(l, "mlp.gate_proj.weight"), perLayer(m, Array.W1, l, 0));
            s.put(layer(l, "mlp.down_proj.weight"), perLayer(m, Array.W2, l, 0));
            s.put(layer(l, "mlp.up_proj.weight"), perLayer(m, Array.W3, l, 0));
        }
        s.put(LlamaTensorNames.FINAL_NORM, new Source(m.array(Array.RMS_FINAL), 0));
        if (!h.sharedClassifier()) {
            s.put(LlamaTensorNames.LM_HEAD, new Source(m.array(Array.WCLS), 0));
        }
        return s;
    }

    private static Source perLayer(Llama2cModel m, Array array, int layer, int ropeHeads) {
        MemorySegment all = m.array(array);
        long bytes = all.byteSize() / m.header().layers();
        return new Source(all.asSlice(layer * bytes, bytes), ropeHeads);
    }

    /**
     * Values of one tensor in the llama2.c file.
     *
     * @param data      fp32 bytes, row-major {@code [out, in]}
     * @param ropeHeads heads whose rows to permute from interleaved to rotate-half, 0 for a plain copy
     */
    private record Source(MemorySegment data, int ropeHeads) {

        void copyTo(MemorySegment target, int headDim) {
            if (ropeHeads == 0) {
                MemorySegment.copy(data, 0, target, 0, data.byteSize());
                return;
            }
            long rowBytes = data.byteSize() / ((long) ropeHeads * headDim);
            int half = headDim / 2;
            for (int head = 0; head < ropeHeads; head++) {
                for (int i = 0; i < half; i++) {
                    for (int j = 0; j < 2; j++) {
                        long src = (long) head * headDim + 2L * i + j;
                        long dst = (long) head * headDim + (long) j * half + i;
                        MemorySegment.copy(data, src * rowBytes, target, dst * rowBytes, rowBytes);
                    }
                }
            }
        }
    }
}
