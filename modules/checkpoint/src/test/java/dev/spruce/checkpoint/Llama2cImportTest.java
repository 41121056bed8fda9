package dev.spruce.checkpoint;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.llama2c.Llama2cConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Llama2cImportTest {

    @TempDir
    Path tmp;

    @Test
    void convertingStories260kReproducesTheIndependentHuggingFaceConversion() throws IOException {
        Path out = tmp.resolve("converted");
        Llama2cConverter.convert(SharedData.stories260kBin(), SharedData.tok512(), out, false, WriteProgress.NONE);
        assertTrue(Files.isRegularFile(out.resolve("tok512.bin")), "tokenizer kept beside the weights");
        assertEquals(ModelConfig.read(SharedData.stories260kHf()), ModelConfig.read(out));
        try (Checkpoint ours = Checkpoint.open(out); Checkpoint reference = Checkpoint.open(SharedData.stories260kHf())) {
            assertEquals(reference.tensors().keySet(), ours.tensors().keySet());
            for (Tensor ref : reference.tensors().values()) {
                Tensor t = ours.tensor(ref.name());
                assertEquals(ref.shape(), t.shape(), ref.name());
                assertEquals(ref.dtype(), t.dtype(), ref.name());
                float[] a = ref.toFloatArray(), b = t.toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-6, ref.name() + "[" + i + "]");
                }
            }
            assertEquals(260_032, ours.parameterCount() - 0, "stories260K has 260,032 parameters (tied head)");
            assertNotNull(LlamaWeights.bind(ModelConfig.read(out), ours));
        }
    }

    @Test
    void permutationMovesInterleavedPairsToHalves() throws IOException {
        // q row (head 0, pair i=1, element j=0) is llama2.c row 2; Hugging Face puts it at row 1
        Path out = tmp.resolve("c");
        Llama2cConverter.convert(SharedData.stories260kBin(), SharedData.tok512(), out, false, WriteProgress.NONE);
        try (var model = dev.spruce.checkpoint.llama2c.Llama2cModel.open(SharedData.stories260kBin());
             Checkpoint hf = Checkpoint.open(out)) {
            var wq = model.array(dev.spruce.checkpoint.llama2c.Llama2cHeader.Array.WQ);
            Tensor q = hf.tensor("model.layers.0.self_attn.q_proj.weight");
            int dim = 64, half = 4;
            assertEquals(wq.getAtIndex(Tensor.F32, 2L * dim + 5), q.floatAt(1L * dim + 5));
            assertEquals(wq.getAtIndex(Tensor.F32, 3L * dim + 5), q.floatAt((long) (half + 1) * dim + 5));
        }
    }

    @Test
    void truncatedLlama2cFileIsRejectedAndLeavesNoOutput() throws IOException {
        Path bad = tmp.resolve("bad.bin");
        byte[] all = Files.readAllBytes(SharedData.stories260kBin());
        Files.write(bad, java.util.Arrays.copyOf(all, all.length - 100));
        Path out = tmp.resolve("never");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Llama2cConverter.convert(bad, SharedData.tok512(), out, false, WriteProgress.NONE));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void tokenizerWithTheWrongVocabularyIsRejected() throws IOException {
        Path tok = tmp.resolve("tok.bin");
        byte[] all = Files.readAllBytes(SharedData.tok512());
        Files.write(tok, java.util.Arrays.copyOf(all, all.length - 10));
        Path out = tmp.resolve("never");
        assertThrows(CheckpointFormatException.class,
                () -> Llama2cConverter.convert(SharedData.stories260kBin(), tok, out, false, WriteProgress.NONE));
        assertFalse(Files.exists(out));
    }
}
