package dev.spruce.checkpoint.config;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The architecture of a Llama-family checkpoint, read from its Hugging Face {@code config.json}.
 * The compact constructor checks that the numbers describe a model that can exist.
 *
 * @param family                 the architecture ({@code model_type})
 * @param hiddenSize             width of the residual stream
 * @param intermediateSize       width of the MLP
 * @param numLayers              decoder blocks
 * @param numHeads               query heads
 * @param numKvHeads             key/value heads (fewer than {@code numHeads} with grouped-query attention)
 * @param headDim                width of one head ({@code head_dim}, or hidden / heads)
 * @param vocabSize              tokens in the vocabulary
 * @param maxPositionEmbeddings  longest context the model was built for
 * @param rmsNormEps             epsilon of every RMSNorm
 * @param ropeTheta              RoPE base
 * @param ropeScaling            RoPE scaling, {@link NoRopeScaling} if none
 * @param tieWordEmbeddings      lm_head shares the embedding matrix
 * @param qkvBias                q/k/v projections carry a bias
 * @param oBias                  o_proj carries a bias
 * @param mlpBias                gate/up/down carry a bias
 * @param bosTokenIds            beginning-of-sequence ids (may be empty)
 * @param eosTokenIds            end-of-sequence ids (may be empty)
 * @param torchDtype             the dtype the config declares, e.g. {@code bfloat16} (may be null)
 */
public record ModelConfig(
        ModelFamily family,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        List<Integer> bosTokenIds,
        List<Integer> eosTokenIds,
        String torchDtype) {

    public static final String FILE_NAME = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        require(hiddenSize > 0 && intermediateSize > 0 && numLayers > 0 && numHeads > 0 && numKvHeads > 0
                && headDim > 0 && vocabSize > 0 && maxPositionEmbeddings > 0, "sizes must be positive");
        require(numHeads % numKvHeads == 0, "num_attention_heads (" + numHeads
                + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        require(headDim % 2 == 0, "head_dim (" + headDim + ") must be even for rotary embeddings");
        require(rmsNormEps > 0, "rms_norm_eps must be positive");
        require(ropeTheta > 0, "rope_theta must be positive");
        bosTokenIds = List.copyOf(bosTokenIds);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Width of all query heads together. */
    public int queryDim() {
        return numHeads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** The same config declaring another storage dtype ({@code null} for none). */
    public ModelConfig withTorchDtype(String dtype) {
        return new ModelConfig(family, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, qkvBias, oBias, mlpBias,
                bosTokenIds, eosTokenIds, dtype);
    }

    /** Reads {@code config.json} from a checkpoint directory (or the file itself). */
    public static ModelConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no config.json: not a Hugging Face checkpoint directory");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file, "not valid JSON: " + e.getMessage(), e);
        }
        return ModelConfigParser.parse(file, root);
    }

    /** This config as a Hugging Face {@code config.json} document. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(switch (family) {
            case LLAMA -> "LlamaForCausalLM";
            case MISTRAL -> "MistralForCausalLM";
            case QWEN2 -> "Qwen2ForCausalLM";
        });
        n.put("model_type", family.modelType());
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("num_key_value_heads", numKvHeads);
        n.put("head_dim", headDim);
        n.put("vocab_size", vocabSize);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("rms_norm_eps", rmsNormEps);
        n.put("rope_theta", ropeTheta);
        switch (ropeScaling) {
            case NoRopeScaling none -> n.putNull("rope_scaling");
            case LinearRopeScaling l -> n.putObject("rope_scaling").put("rope_type", "linear").put("factor", l.factor());
            case Llama3RopeScaling l -> n.putObject("rope_scaling").put("rope_type", "llama3")
                    .put("factor", l.factor()).put("low_freq_factor", l.lowFreqFactor())
                    .put("high_freq_factor", l.highFreqFactor())
                    .put("original_max_position_embeddings", l.originalMaxPositionEmbeddings());
        }
        n.put("hidden_act", "silu");
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (family == ModelFamily.LLAMA) {
            n.put("attention_bias", qkvBias);
            n.put("mlp_bias", mlpBias);
        }
        putIds(n, "bos_token_id", bosTokenIds);
        putIds(n, "eos_token_id", eosTokenIds);
        if (torchDtype != null) {
            n.put("torch_dtype", torchDtype);
        }
        return n;
    }

    private static void putIds(ObjectNode n, String key, List<Integer> ids) {
        switch (ids.size()) {
            case 0 -> n.putNull(key);
            case 1 -> n.put(key, ids.getFirst());
            default -> {
                ArrayNode a = n.putArray(key);
                ids.forEach(a::add);
            }
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
