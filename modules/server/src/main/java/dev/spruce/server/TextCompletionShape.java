package dev.spruce.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.generation.GenerationResult;

/** {@code POST /v1/completions}: objects {@code text_completion} with {@code choices[].text}. */
final class TextCompletionShape implements ResponseShape {

    private static final String OBJECT = "text_completion";

    @Override
    public String idPrefix() {
        return "cmpl";
    }

    @Override
    public ObjectNode opening(Envelope e) {
        return null;
    }

    @Override
    public ObjectNode chunk(Envelope e, String text, String finishReason) {
        ObjectNode root = OpenAiJson.envelope(e, OBJECT);
        choice(root, text == null ? "" : text, finishReason);
        return root;
    }

    @Override
    public ObjectNode usage(Envelope e, GenerationResult result) {
        return OpenAiJson.usageChunk(e, OBJECT, result);
    }

    @Override
    public ObjectNode whole(Envelope e, GenerationResult result) {
        ObjectNode root = OpenAiJson.envelope(e, OBJECT);
        choice(root, result.text(), OpenAiJson.finishReason(result));
        root.set("usage", OpenAiJson.usage(result));
        return root;
    }

    private static void choice(ObjectNode root, String text, String finishReason) {
        ObjectNode c = root.putArray("choices").addObject();
        c.put("text", text);
        c.put("index", 0);
        c.putNull("logprobs");
        c.put("finish_reason", finishReason);
    }
}
