package dev.spruce.model.tokenizer;

/**
 * A chat template that cannot render these messages: the template called {@code raise_exception}
 * (roles out of order, an unsupported role…) or is not valid Jinja.
 */
public final class ChatTemplateException extends Exception {

    public ChatTemplateException(String message) {
        super(message);
    }
}
