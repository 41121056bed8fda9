package dev.spruce.checkpoint;

import dev.spruce.checkpoint.config.ConfigException;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.llama.WeightBindingException;
import dev.spruce.checkpoint.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Every way a checkpoint can be broken yields a named exception that says where and what. */
class CorruptCheckpointTest {

    @TempDir
    Path tmp;

    /** A safetensors file with the given header JSON and {@code dataBytes} zero bytes of data. */
    private Path craft(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private CheckpointFormatException corrupt(Path file) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(file).close());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void truncatedBeforeHeaderLength() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertMentions(corrupt(p), "3 bytes", "truncated");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path p = tmp.resolve("long.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        CheckpointFormatException e = corrupt(p);
        assertEquals(0, e.offset());
        assertMentions(e, "header length 1000", "past the end");
    }

    @Test
    void headerLengthOverTheLimit() throws IOException {
        Path p = tmp.resolve("huge.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array());
        assertMentions(corrupt(p), "exceeds the limit");
    }

    @Test
    void headerNotJson() throws IOException {
        assertMentions(corrupt(craft("nojson.safetensors", "{\"a\": [1, 2", 0)), "not valid JSON");
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertMentions(corrupt(craft("array.safetensors", "[1, 2]", 0)), "not a JSON object");
    }

    @Test
    void duplicateTensorName() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertMentions(corrupt(craft("dup.safetensors", h, 8)), "not valid JSON", "Duplicate");
    }

    @Test
    void unknownDtype() throws IOException {
        CheckpointFormatException e = corrupt(craft("dtype.safetensors",
                "{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
        assertEquals("w", e.tensor());
        assertMentions(e, "unknown dtype 'Q4_K'", "BF16");
    }

    @Test
    void sizeDisagreesWithShape() throws IOException {
        CheckpointFormatException e = corrupt(craft("size.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20));
        assertEquals("w", e.tensor());
        assertMentions(e, "hold 20 bytes", "needs 24");
    }

    @Test
    void negativeDimension() throws IOException {
        assertMentions(corrupt(craft("neg.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)), "shape[0] = -1");
    }

    @Test
    void elementCountOverflows() throws IOException {
        CheckpointFormatException e = corrupt(craft("overflow.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4));
        assertEquals("w", e.tensor());
        assertMentions(e, "overflows");
    }

    @Test
    void byteCountOverflows() throws IOException {
        // 2^62 elements fit in a long, 2^62 × 4 bytes do not
        assertMentions(corrupt(craft("bytes.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}", 4)), "overflows");
    }

    @Test
    void overlappingOffsets() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        CheckpointFormatException e = corrupt(craft("overlap.safetensors", h, 12));
        assertEquals("b", e.tensor());
        assertMentions(e, "overlap tensor 'a'");
    }

    @Test
    void holeBetweenTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        CheckpointFormatException e = corrupt(craft("hole.safetensors", h, 12));
        assertEquals("b", e.tensor());
        assertMentions(e, "hole of 4 bytes");
    }

    @Test
    void dataNotStartingAtZero() throws IOException {
        assertMentions(corrupt(craft("start.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)), "hole of 4 bytes");
    }

    @Test
    void offsetPastEndOfFile() throws IOException {
        CheckpointFormatException e = corrupt(craft("past.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertEquals("a", e.tensor());
        assertMentions(e, "only 8 bytes", "truncated");
    }

    @Test
    void bytesAfterLastTensor() throws IOException {
        assertMentions(corrupt(craft("tail.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12)), "8 bytes after the last tensor");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        assertMentions(corrupt(craft("meta.safetensors", "{\"__metadata__\":{\"format\":1}}", 0)),
                "__metadata__ value for 'format' must be a string");
    }

    @Test
    void shardMissingFromIndex() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        craft("sharded/model-00001-of-00002.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{\"total_size\":8},\"weight_map\":"
                + "{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(dir).close());
        assertEquals(dir.resolve(Checkpoint.INDEX_FILE), e.file());
        assertEquals("b", e.tensor());
        assertMentions(e, "model-00002-of-00002.safetensors", "missing");
    }

    @Test
    void indexCannotPointOutsideTheDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("escape"));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{\"a\":\"../secret.safetensors\"}}");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(dir).close()),
                "expected a file name in the checkpoint directory");
    }

    @Test
    void indexNamesTensorItsShardLacks() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("lying"));
        craft("lying/model-00001-of-00001.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"weight_map\":{\"a\":\"model-00001-of-00001.safetensors\",\"z\":\"model-00001-of-00001.safetensors\"}}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(dir).close());
        assertEquals("z", e.tensor());
        assertMentions(e, "no shard holds it");
    }

    @Test
    void unknownModelType() throws IOException {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"model_type\":\"gpt2\",\"hidden_size\":64}");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.read(cfg));
        assertEquals(cfg, e.file());
        assertMentions(e, "unsupported model_type 'gpt2'", "llama", "mistral", "qwen2");
    }

    @Test
    void tensorShapesDisagreeingWithConfigAreAllReported() throws IOException {
        Path dir = tmp.resolve("mismatch");
        ModelConfig config = ModelConfig.read(SharedData.stories260kHf());
        try (Checkpoint real = Checkpoint.open(SharedData.stories260kHf());
             CheckpointWriter w = CheckpointWriter.create(dir, false)) {
            var specs = real.tensors().values().stream()
                    .filter(t -> !t.name().equals("model.layers.3.mlp.up_proj.weight"))
                    .map(t -> t.name().equals("model.layers.1.self_attn.k_proj.weight")
                            ? TensorSpec.of(t.name(), DType.F32, 64, 64) : new TensorSpec(t.name(), t.dtype(), t.shape()))
                    .toList();
            w.writeTensors(specs, (s, target) -> { }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
            w.commit();
        }
        try (Checkpoint broken = Checkpoint.open(dir)) {
            WeightBindingException e = assertThrows(WeightBindingException.class, () -> LlamaWeights.bind(config, broken));
            assertEquals(2, e.problems().size(), e.problems().toString());
            assertMentions(e, "'model.layers.1.self_attn.k_proj.weight' has shape [64, 64], expected [32, 64]",
                    "'model.layers.3.mlp.up_proj.weight' is missing (expected shape [172, 64])");
        }
    }

    @Test
    void corruptFileNeverLeaksItsMapping() throws IOException {
        // open many corrupt files: each failed open must close its arena (no "too many open files" / map exhaustion)
        Path p = craft("leak.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        for (int i = 0; i < 2000; i++) {
            assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(p).close());
        }
    }
}
