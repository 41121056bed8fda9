package dev.spruce.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What Spruce uses of a model's {@code tokenizer_config.json}, {@code generation_config.json}
 * and {@code config.json}; {@code null} where a file does not say.
 *
 * @param bosToken     {@code bos_token}
 * @param eosToken     {@code eos_token}
 * @param addBosToken  {@code add_bos_token}
 * @param chatTemplate {@code chat_template} (the "default" one when the file lists several)
 * @param bosTokenId   {@code bos_token_id} of the generation config, else of the model config
 * @param eosTokenIds  {@code eos_token_id} of both (an int or a list), generation config first
 */
record TokenizerConfig(String bosToken, String eosToken, Boolean addBosToken, String chatTemplate,
                       Integer bosTokenId, List<Integer> eosTokenIds) {

    static final String FILE = "tokenizer_config.json";
    static final String GENERATION_FILE = "generation_config.json";
    static final String MODEL_FILE = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads whichever of the three files {@code dir} has. */
    static TokenizerConfig read(Path dir) throws TokenizerException {
        JsonNode tokenizer = readIfPresent(dir.resolve(FILE));
        JsonNode generation = readIfPresent(dir.resolve(GENERATION_FILE));
        JsonNode model = readIfPresent(dir.resolve(MODEL_FILE));
        Integer bosId = intOrNull(generation.get("bos_token_id"));
        if (bosId == null) {
            bosId = intOrNull(model.get("bos_token_id"));
        }
        List<Integer> eosIds = new ArrayList<>();
        addIds(generation.get("eos_token_id"), eosIds);
        addIds(model.get("eos_token_id"), eosIds);
        JsonNode addBos = tokenizer.get("add_bos_token");
        return new TokenizerConfig(tokenText(tokenizer.get("bos_token")), tokenText(tokenizer.get("eos_token")),
                addBos != null && addBos.isBoolean() ? addBos.asBoolean() : null,
                template(tokenizer.get("chat_template")), bosId, List.copyOf(eosIds));
    }

    private static JsonNode readIfPresent(Path file) throws TokenizerException {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw new TokenizerException(file, "is not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot be read: " + e, e);
        }
    }

    /** A special token is a string, or an object with its {@code content} (older configs). */
    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isObject() ? n.path("content").asText(null) : n.asText();
    }

    /** A template string, or a list of named templates of which "default" is the chat one. */
    private static String template(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        String first = null;
        for (JsonNode named : n) {
            if (named.path("name").asText().equals("default")) {
                return named.path("template").asText(null);
            }
            first = first == null ? named.path("template").asText(null) : first;
        }
        return first;
    }

    private static Integer intOrNull(JsonNode n) {
        return n != null && n.canConvertToInt() ? n.asInt() : null;
    }

    private static void addIds(JsonNode n, List<Integer> ids) {
        if (n == null) {
            return;
        }
        for (JsonNode id : n.isArray() ? n : JSON.createArrayNode().add(n)) {
            if (id.canConvertToInt() && id.asInt() >= 0 && !ids.contains(id.asInt())) {
                ids.add(id.asInt());
            }
        }
    }
}
