package dev.spruce.checkpoint.config;

import dev.spruce.kernels.LinearRopeScaling;
import dev.spruce.kernels.Llama3RopeScaling;
import dev.spruce.kernels.NoRopeScaling;
import dev.spruce.kernels.RopeScaling;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@code config.json} tree into a {@link ModelConfig}, applying Hugging Face's defaults
 * for absent keys and naming the file and key for every problem.
 */
final class ModelConfigParser {

    private final Path file;
    private final JsonNode root;

    private ModelConfigParser(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    static ModelConfig parse(Path file, JsonNode root) throws ConfigException {
        if (root == null || !root.isObject()) {
            throw new ConfigException(file, "not a JSON object");
        }
        return new ModelConfigParser(file, root).parse();
    }

    private ModelConfig parse() throws ConfigException {
        String modelType = text("model_type", null);
        if (modelType == null) {
            throw new ConfigException(file, "no model_type; supported: " + ModelFamily.supportedModelTypes());
        }
        ModelFamily family = ModelFamily.fromModelType(modelType).orElseThrow(() -> new ConfigException(file,
                "unsupported model_type '" + modelType + "'; supported: " + ModelFamily.supportedModelTypes()));
        String act = text("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new ConfigException(file, "hidden_act '" + act + "' is not supported; Llama-family models use 'silu'");
        }
        int hidden = positiveInt("hidden_size", null);
        int heads = positiveInt("num_attention_heads", null);
        int kvHeads = positiveInt("num_key_value_heads", heads);
        Integer declaredHeadDim = isNull("head_dim") ? null : positiveInt("head_dim", null);
        if (declaredHeadDim == null && hidden % heads != 0) {
            throw new ConfigException(file, "hidden_size " + hidden + " is not divisible by num_attention_heads "
                    + heads + " and no head_dim is given");
        }
        int headDim = declaredHeadDim != null ? declaredHeadDim : hidden / heads;
        boolean attentionBias = bool("attention_bias", false);
        try {
            return new ModelConfig(
                    family,
                    hidden,
                    positiveInt("intermediate_size", null),
                    positiveInt("num_hidden_layers", null),
                    heads,
                    kvHeads,
                    headDim,
                    positiveInt("vocab_size", null),
                    positiveInt("max_position_embeddings", 2048),
                    number("rms_norm_eps", 1e-6),
                    number("rope_theta", 10000.0),
                    ropeScaling(),
                    bool("tie_word_embeddings", false),
                    family == ModelFamily.QWEN2 || (family == ModelFamily.LLAMA && attentionBias),
                    family == ModelFamily.LLAMA && attentionBias,
                    family == ModelFamily.LLAMA && bool("mlp_bias", false),
                    ids("bos_token_id"),
                    ids("eos_token_id"),
                    text("torch_dtype", null));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, e.getMessage());
        }
    }

    private RopeScaling ropeScaling() throws ConfigException {
        JsonNode n = root.get("rope_scaling");
        if (n == null || n.isNull()) {
            return NoRopeScaling.INSTANCE;
        }
        if (!n.isObject()) {
            throw new ConfigException(file, "rope_scaling must be an object or null");
        }
        JsonNode typeNode = n.has("rope_type") ? n.get("rope_type") : n.get("type");
        String type = typeNode == null ? "" : typeNode.asText();
        double factor = n.path("factor").asDouble(Double.NaN);
        if (!type.equals("default") && !(factor >= 1.0)) {
            throw new ConfigException(file, "rope_scaling.factor must be a number ≥ 1, found " + n.get("factor"));
        }
        return switch (type) {
            case "default" -> NoRopeScaling.INSTANCE;
            case "linear" -> new LinearRopeScaling(factor);
            case "llama3" -> new Llama3RopeScaling(factor,
                    requiredNumber(n, "low_freq_factor"),
                    requiredNumber(n, "high_freq_factor"),
                    (int) requiredNumber(n, "original_max_position_embeddings"));
            default -> throw new ConfigException(file, "rope_scaling type '" + type
                    + "' is not supported; supported: linear, llama3");
        };
    }

    private double requiredNumber(JsonNode parent, String key) throws ConfigException {
        JsonNode v = parent.get(key);
        if (v == null || !v.isNumber()) {
            throw new ConfigException(file, "rope_scaling." + key + " must be a number");
        }
        return v.asDouble();
    }

    private List<Integer> ids(String key) throws ConfigException {
        JsonNode v = root.get(key);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isInt()) {
            out.add(v.asInt());
            return out;
        }
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isInt()) {
                    throw new ConfigException(file, key + " must be an integer or a list of integers, found " + v);
                }
                out.add(e.asInt());
            }
            return out;
        }
        throw new ConfigException(file, key + " must be an integer or a list of integers, found " + v);
    }

    private boolean isNull(String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull();
    }

    private String text(String key, String fallback) throws ConfigException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new ConfigException(file, key + " must be a string, found " + v);
        }
        return v.asText();
    }

    private int positiveInt(String key, Integer fallback) throws ConfigException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new ConfigException(file, "missing " + key);
            }
            return fallback;
        }
        if (!v.isInt() || v.asInt() <= 0) {
            throw new ConfigException(file, key + " must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private double number(String key, double fallback) throws ConfigException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new ConfigException(file, key + " must be a number, found " + v);
        }
        return v.asDouble();
    }

    private boolean bool(String key, boolean fallback) throws ConfigException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(file, key + " must be true or false, found " + v);
        }
        return v.asBoolean();
    }
}
