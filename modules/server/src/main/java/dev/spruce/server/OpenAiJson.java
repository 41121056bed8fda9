package dev.spruce.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.generation.GenerationResult;

/** The parts both endpoints' responses share: the envelope, token counts, finish reasons. */
final class OpenAiJson {

    private OpenAiJson() {
    }

    static ObjectNode envelope(ResponseShape.Envelope e, String object) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", e.id());
        root.put("object", object);
        root.put("created", e.created());
        root.put("model", e.model());
        return root;
    }

    static ObjectNode usage(GenerationResult r) {
        ObjectNode u = JsonNodeFactory.instance.objectNode();
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.generatedTokens());
        u.put("total_tokens", r.promptTokens() + r.generatedTokens());
        return u;
    }

    /** OpenAI's finish reason: {@code stop} for EOS or a stop string, {@code length} for a limit. */
    static String finishReason(GenerationResult r) {
        return switch (r.reason()) {
            case EOS, STOP_STRING, CANCELLED -> "stop";
            case MAX_TOKENS, CONTEXT_FULL -> "length";
        };
    }

    /** The usage chunk that ends a stream asked for with {@code include_usage}: no choices, the counts. */
    static ObjectNode usageChunk(ResponseShape.Envelope e, String object, GenerationResult r) {
        ObjectNode root = envelope(e, object);
        root.putArray("choices");
        root.set("usage", usage(r));
        return root;
    }
}
