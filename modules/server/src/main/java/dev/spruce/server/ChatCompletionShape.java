package dev.spruce.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.generation.GenerationResult;

/**
 * {@code POST /v1/chat/completions}: a {@code chat.completion} with {@code choices[].message}, or
 * {@code chat.completion.chunk}s with {@code choices[].delta}, the first announcing the role.
 */
final class ChatCompletionShape implements ResponseShape {

    private static final String CHUNK = "chat.completion.chunk";

    @Override
    public String idPrefix() {
        return "chatcmpl";
    }

    @Override
    public ObjectNode opening(Envelope e) {
        ObjectNode root = OpenAiJson.envelope(e, CHUNK);
        ObjectNode delta = choice(root, "delta", null);
        delta.put("role", "assistant");
        delta.put("content", "");
        return root;
    }

    @Override
    public ObjectNode chunk(Envelope e, String text, String finishReason) {
        ObjectNode root = OpenAiJson.envelope(e, CHUNK);
        ObjectNode delta = choice(root, "delta", finishReason);
        if (text != null) {
            delta.put("content", text);
        }
        return root;
    }

    @Override
    public ObjectNode usage(Envelope e, GenerationResult result) {
        return OpenAiJson.usageChunk(e, CHUNK, result);
    }

    @Override
    public ObjectNode whole(Envelope e, GenerationResult result) {
        ObjectNode root = OpenAiJson.envelope(e, "chat.completion");
        ObjectNode message = choice(root, "message", OpenAiJson.finishReason(result));
        message.put("role", "assistant");
        message.put("content", result.text());
        root.set("usage", OpenAiJson.usage(result));
        return root;
    }

    /** Adds the single choice and returns its {@code delta} or {@code message} object. */
    private static ObjectNode choice(ObjectNode root, String field, String finishReason) {
        ObjectNode c = root.putArray("choices").addObject();
        c.put("index", 0);
        ObjectNode inner = c.putObject(field);
        c.putNull("logprobs");
        c.put("finish_reason", finishReason);
        return inner;
    }
}
