package dev.spruce.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A model's {@code chat_template} (Jinja, from {@code tokenizer_config.json}) rendered the way
 * {@code transformers} renders it: blocks trimmed ({@code trim_blocks}, {@code lstrip_blocks}),
 * with {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and a
 * {@code raise_exception(message)} function. Immutable and thread-safe.
 */
public final class ChatTemplate {

    /** One engine for all templates: Jinjava renders concurrently with a fresh interpreter per call. */
    private static final Jinjava JINJA = createEngine();

    private final String source;
    private final String bosToken;
    private final String eosToken;

    /**
     * @param source   the template text
     * @param bosToken what {@code bos_token} renders as ({@code ""} if the model has none)
     * @param eosToken what {@code eos_token} renders as ({@code ""} if the model has none)
     */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    private static Jinjava createEngine() {
        Jinjava jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        return jinja;
    }

    /** {@code raise_exception} as templates call it; public only so Jinjava can reach it. */
    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** What {@link #raiseException} throws through Jinjava, recognised in the render errors. */
    private static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    /** The template text. */
    public String source() {
        return source;
    }

    /**
     * The prompt for {@code messages}.
     *
     * @param addGenerationPrompt end with the header of an assistant turn, so the model answers
     * @throws ChatTemplateException with the template's own message when it calls
     *                               {@code raise_exception}, or Jinjava's when it cannot render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) throws ChatTemplateException {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(ChatTemplate::asMap).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = JINJA.renderForResult(source, context);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException(describe(fatal));
        }
        return result.getOutput();
    }

    private static Map<String, Object> asMap(ChatMessage m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", m.role());
        map.put("content", m.content());
        return map;
    }

    private static String describe(List<TemplateError> errors) {
        return errors.stream().map(e -> {
            for (Throwable t = e.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateRaised raised) {
                    return "the chat template refused the messages: " + raised.getMessage();
                }
            }
            return "the chat template failed at line " + e.getLineno() + ": " + e.getMessage();
        }).distinct().collect(Collectors.joining("; "));
    }
}
