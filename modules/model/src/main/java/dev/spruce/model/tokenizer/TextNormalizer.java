package dev.spruce.model.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} of a Hugging Face {@code tokenizer.json}, applied to each stretch of text
 * between added tokens. Only the kinds Llama-family tokenizers use are here.
 */
sealed interface TextNormalizer {

    String normalize(String text);

    /** No normalizer ({@code null} in the file). */
    record None() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text;
        }
    }

    /** Each step on the previous one's output. */
    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public String normalize(String text) {
            for (TextNormalizer step : steps) {
                text = step.normalize(text);
            }
            return text;
        }
    }

    /** Puts {@code prefix} before non-empty text (Llama 2's "▁" before every stretch). */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every match of {@code pattern} (a literal string or a regex in the file) by {@code content}. */
    record Replace(Pattern pattern, String content) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** NFC, NFD, NFKC or NFKD (Qwen2 uses NFC). */
    record UnicodeForm(Normalizer.Form form) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return Normalizer.normalize(text, form);
        }
    }

    /** Lower case, without locale-specific rules. */
    record Lowercase() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(Locale.ROOT);
        }
    }
}
