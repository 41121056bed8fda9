package dev.spruce.server;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.model.tokenizer.ChatMessage;
import dev.spruce.model.tokenizer.ChatTemplateException;
import dev.spruce.model.tokenizer.ModelTokenizer;

/**
 * Turns a request's {@code prompt} or {@code messages} into token ids as {@code spruce generate}
 * does: a plain prompt with the model's BOS convention, a conversation through the checkpoint's chat
 * template. A checkpoint without a template (base models such as stories260K) gets its messages'
 * texts joined by newlines as a plain prompt, so a single user message continues like
 * {@code spruce generate --prompt TEXT}.
 */
final class PromptEncoder {

    private final ModelTokenizer tokenizer;

    PromptEncoder(ModelTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Whether conversations go through a chat template (else they are joined as plain text). */
    boolean hasChatTemplate() {
        return tokenizer.chatTemplate().isPresent();
    }

    /** {@code prompt}: a string, or an array holding one string. */
    int[] completion(JsonFields fields) {
        JsonNode p = fields.node("prompt");
        if (p == null) {
            throw ApiException.invalid("prompt", "'prompt' is required");
        }
        if (p.isArray() && p.size() == 1) {
            p = p.get(0);
        }
        if (!p.isTextual()) {
            throw ApiException.invalid("prompt", "'prompt' must be a string (or an array of exactly one string)");
        }
        return tokenizer.encodePrompt(p.textValue());
    }

    /** {@code messages}: objects with a {@code role} and a {@code content} string or array of text parts. */
    int[] chat(JsonFields fields) {
        List<ChatMessage> messages = messages(fields.node("messages"));
        if (!hasChatTemplate()) {
            String text = String.join("\n", messages.stream().map(ChatMessage::content).toList());
            return tokenizer.encodePrompt(text);
        }
        try {
            return tokenizer.encodeChat(messages, true);
        } catch (ChatTemplateException e) {
            throw ApiException.invalid("messages", e.getMessage());
        }
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw ApiException.invalid(at, at + " must be an object with a string 'role'");
            }
            out.add(new ChatMessage(m.get("role").textValue(), content(m.get("content"), at)));
        }
        return out;
    }

    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(at + ".content", "only text content parts are supported");
                }
                text.append(part.get("text").textValue());
            }
            return text.toString();
        }
        throw ApiException.invalid(at + ".content", at + ".content must be a string or an array of text parts");
    }
}
