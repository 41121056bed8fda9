package dev.spruce.server;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.generation.GenerationRequest;
import dev.spruce.model.sampling.SamplingSettings;

/**
 * Reads and checks the body of {@code /v1/completions} and {@code /v1/chat/completions}: the model
 * name, the prompt, the limits against the context, the sampling settings. Everything wrong is a
 * 400 (or a 404 for an unknown model) with a message naming the field.
 *
 * <p>Defaults follow OpenAI: temperature 1, top_p 1, no seed (a random one), {@code max_tokens} up to
 * the end of the context. {@code top_k} and {@code repetition_penalty} are accepted as extensions
 * (as vLLM does), with {@code spruce generate}'s meaning.
 */
final class OpenAiRequestParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String modelId;
    private final int context;
    private final PromptEncoder prompts;

    OpenAiRequestParser(String modelId, int context, PromptEncoder prompts) {
        this.modelId = modelId;
        this.context = context;
        this.prompts = prompts;
    }

    OpenAiRequest parse(byte[] body, boolean chat) {
        JsonFields f = new JsonFields(object(body));
        String model = f.string("model");
        if (model == null) {
            throw ApiException.invalid("model", "'model' is required; this server has '" + modelId + "'");
        }
        if (!model.equals(modelId)) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "the model '" + model + "' does not exist; this server has '" + modelId + "'");
        }
        f.only("n", IntNode.valueOf(1));
        f.only("best_of", IntNode.valueOf(1));
        f.only("echo", BooleanNode.FALSE);
        f.only("logprobs", BooleanNode.FALSE, IntNode.valueOf(0));
        f.only("presence_penalty", IntNode.valueOf(0));
        f.only("frequency_penalty", IntNode.valueOf(0));
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        JsonNode options = f.node("stream_options");
        if (options != null) {
            if (!options.isObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            }
            includeUsage = new JsonFields((ObjectNode) options).bool("include_usage", false);
        }

        SamplingSettings sampling = new SamplingSettings(
                f.number("temperature", 0, 2, 1),
                (int) f.integer("top_k", 0, Integer.MAX_VALUE, 0),
                topP(f),
                f.number("repetition_penalty", 0.01, 100, 1),
                f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE, ThreadLocalRandom.current().nextLong()));
        var stops = f.strings("stop", 4);

        int[] ids = chat ? prompts.chat(f) : prompts.completion(f);
        if (ids.length == 0) {
            throw ApiException.invalid(chat ? "messages" : "prompt", "the prompt has no tokens");
        }
        if (ids.length >= context) {
            throw ApiException.invalid(chat ? "messages" : "prompt", "context_length_exceeded", "the prompt is "
                    + ids.length + " tokens; this model's context holds " + context
                    + " and needs room for at least one new token");
        }
        String limitField = chat && f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        long maxTokens = f.integer(limitField, 1, context, context - ids.length);
        if (ids.length + maxTokens > context) {
            throw ApiException.invalid(limitField, "context_length_exceeded", "this model's context holds " + context
                    + " tokens; the prompt is " + ids.length + " and " + limitField + " asks for " + maxTokens
                    + " more");
        }
        return new OpenAiRequest(new GenerationRequest(ids, (int) maxTokens, sampling, stops), stream, includeUsage);
    }

    /** OpenAI takes top_p in [0, 1]; 0 keeps only the most likely token, as the smallest positive p does. */
    private static double topP(JsonFields f) {
        double p = f.number("top_p", 0, 1, 1);
        return p == 0 ? Double.MIN_VALUE : p;
    }

    private static ObjectNode object(byte[] body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid(null, "the body could not be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }
}
