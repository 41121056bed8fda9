package dev.spruce.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.synth.SyntheticCheckpoint;
import dev.spruce.checkpoint.synth.SyntheticPreset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticCheckpointTest {

    @TempDir
    Path tmp;

    private Path synth(SyntheticPreset preset, DType dtype, long seed, String name) throws IOException {
        Path out = tmp.resolve(name);
        SyntheticCheckpoint.write(new SyntheticCheckpoint.Options(preset, dtype, seed, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false), out, WriteProgress.NONE);
        return out;
    }

    @Test
    void stories260kShapesBindAndValuesAreSeeded() throws IOException {
        Path a = synth(SyntheticPreset.STORIES260K, DType.BF16, 7, "a");
        Path b = synth(SyntheticPreset.STORIES260K, DType.BF16, 7, "b");
        Path c = synth(SyntheticPreset.STORIES260K, DType.BF16, 8, "c");
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(c.resolve("model.safetensors"))));
        ModelConfig config = ModelConfig.read(a);
        assertEquals(ModelConfig.read(SharedData.stories260kHf()).withTorchDtype(null), config.withTorchDtype(null));
        try (Checkpoint ck = Checkpoint.open(a)) {
            LlamaWeights w = LlamaWeights.bind(config, ck);
            assertEquals(DType.BF16, w.embeddings().dtype());
            assertEquals(260_032, ck.parameterCount());
            float[] q = w.layers().get(0).q().toFloatArray();
            double sum = 0, sq = 0;
            for (float v : q) {
                sum += v;
                sq += v * v;
            }
            assertEquals(0.0, sum / q.length, 0.002);
            assertEquals(0.02, Math.sqrt(sq / q.length), 0.002);
            for (float v : w.finalNorm().toFloatArray()) {
                assertTrue(v >= 0.89f && v <= 1.11f, "norm scale " + v);
            }
        }
    }

    @Test
    void tokenizerHasTheModelsVocabularyAndJlamaLoadsIt() throws IOException {
        Path a = synth(SyntheticPreset.STORIES260K, DType.F32, 1, "tok");
        JsonNode tok = new ObjectMapper().readTree(a.resolve("tokenizer.json").toFile());
        assertEquals(512, tok.get("model").get("vocab").size());
        LlamaTokenizer jlama = new LlamaTokenizer(a);
        long[] ids = jlama.encode("the cat sat on the mat");
        assertTrue(ids.length > 0);
        assertEquals("the cat sat on the mat", jlama.decode(ids).strip());
    }

    @Test
    void largePresetsPlanRealSizesWithoutWriting() {
        var o = new SyntheticCheckpoint.Options(SyntheticPreset.LLAMA2_7B, DType.BF16, 0, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false);
        long params = SyntheticCheckpoint.tensors(o).stream().mapToLong(t -> t.shape().numel()).sum();
        assertEquals(6_738_415_616L, params, "Llama-2-7B parameter count");
        var tiny = new SyntheticCheckpoint.Options(SyntheticPreset.TINYLLAMA_1_1B, DType.BF16, 0, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false);
        assertEquals(1_100_048_384L, SyntheticCheckpoint.tensors(tiny).stream().mapToLong(t -> t.shape().numel()).sum());
        var smol = new SyntheticCheckpoint.Options(SyntheticPreset.SMOLLM2_135M, DType.BF16, 0, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false);
        assertEquals(134_515_008L, SyntheticCheckpoint.tensors(smol).stream().mapToLong(t -> t.shape().numel()).sum());
    }
}
