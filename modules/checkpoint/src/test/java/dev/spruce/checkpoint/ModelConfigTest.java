package dev.spruce.checkpoint;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import dev.spruce.checkpoint.config.ConfigException;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.config.ModelFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigTest {

    @TempDir
    Path tmp;

    private ModelConfig parse(String json) throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        return ModelConfig.read(p);
    }

    @Test
    void readsStories260k() throws IOException {
        ModelConfig c = ModelConfig.read(SharedData.stories260kHf());
        assertEquals(ModelFamily.LLAMA, c.family());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numLayers());
        assertEquals(8, c.numHeads());
        assertEquals(4, c.numKvHeads());
        assertEquals(8, c.headDim());
        assertEquals(32, c.kvDim());
        assertEquals(512, c.vocabSize());
        assertEquals(1e-5, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(List.of(1), c.bosTokenIds());
        assertEquals(List.of(2), c.eosTokenIds());
        assertInstanceOf(NoRopeScaling.class, c.ropeScaling());
    }

    @Test
    void llama3StyleConfigWithScalingAndEosList() throws IOException {
        ModelConfig c = parse("""
                {"model_type":"llama","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,
                 "num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,"max_position_embeddings":131072,
                 "rms_norm_eps":1e-05,"rope_theta":500000.0,"bos_token_id":128000,"eos_token_id":[128001,128008,128009],
                 "rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
                                 "original_max_position_embeddings":8192,"rope_type":"llama3"},
                 "tie_word_embeddings":false,"torch_dtype":"bfloat16"}""");
        assertEquals(128, c.headDim(), "derived from hidden / heads");
        assertEquals(new Llama3RopeScaling(8.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertFalse(c.qkvBias());
    }

    @Test
    void linearScalingWithLegacyTypeKey() throws IOException {
        ModelConfig c = parse("""
                {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,
                 "num_attention_heads":4,"vocab_size":10,"rope_scaling":{"type":"linear","factor":2.0}}""");
        assertEquals(new LinearRopeScaling(2.0), c.ropeScaling());
        assertEquals(4, c.numKvHeads(), "defaults to num_attention_heads");
    }

    @Test
    void qwen2HasQkvBiasAndMistralHasNone() throws IOException {
        String body = "\"hidden_size\":896,\"intermediate_size\":4864,\"num_hidden_layers\":24,\"num_attention_heads\":14,"
                + "\"num_key_value_heads\":2,\"vocab_size\":151936}";
        ModelConfig qwen = parse("{\"model_type\":\"qwen2\"," + body);
        assertTrue(qwen.qkvBias());
        assertFalse(qwen.oBias());
        ModelConfig mistral = parse("{\"model_type\":\"mistral\",\"sliding_window\":4096," + body);
        assertFalse(mistral.qkvBias());
    }

    @Test
    void explicitHeadDimWins() throws IOException {
        ModelConfig c = parse("""
                {"model_type":"mistral","hidden_size":5120,"intermediate_size":14336,"num_hidden_layers":40,
                 "num_attention_heads":32,"num_key_value_heads":8,"head_dim":128,"vocab_size":131072}""");
        assertEquals(128, c.headDim());
        assertEquals(4096, c.queryDim());
    }

    @Test
    void roundTripsThroughJson() throws IOException {
        ModelConfig c = ModelConfig.read(SharedData.stories260kHf());
        assertEquals(c, parse(c.toJson().toString()));
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(assertThrows(ConfigException.class, () -> parse("{\"model_type\":\"llama\",\"hidden_size\":\"big\"}"))
                .getMessage().contains("hidden_size must be a positive integer"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("""
                {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,
                 "num_attention_heads":4,"num_key_value_heads":3,"vocab_size":10}""")).getMessage()
                .contains("must be a multiple of num_key_value_heads"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("""
                {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,
                 "num_attention_heads":4,"vocab_size":10,"rope_scaling":{"rope_type":"yarn","factor":4.0}}""")).getMessage()
                .contains("rope_scaling type 'yarn' is not supported"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("not json")).getMessage().contains("not valid JSON"));
    }
}
