package dev.spruce.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} of a Hugging Face {@code tokenizer.json}: cuts a stretch of normalized
 * text into words that BPE merges within, never across. Only the kinds Llama-family tokenizers use
 * are here.
 */
sealed interface PreTokenizer {

    /** GPT-2's word pattern, which {@code ByteLevel} splits with when {@code use_regex} is set. */
    Pattern GPT2_WORDS = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * The words of {@code text}.
     *
     * @param atStart whether {@code text} begins the input (Metaspace's "first" scheme prepends only then)
     */
    List<String> split(String text, boolean atStart);

    /** No pre-tokenizer: the stretch is one word (Llama 2's normalizer-only setup). */
    record None() implements PreTokenizer {
        @Override
        public List<String> split(String text, boolean atStart) {
            return text.isEmpty() ? List.of() : List.of(text);
        }
    }

    /** Each step on every word the previous one made. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public List<String> split(String text, boolean atStart) {
            List<String> words = List.of(text);
            for (PreTokenizer step : steps) {
                List<String> next = new ArrayList<>();
                for (int i = 0; i < words.size(); i++) {
                    next.addAll(step.split(words.get(i), atStart && i == 0));
                }
                words = next;
            }
            return words;
        }
    }

    /**
     * GPT-2 byte-level: optionally a space in front, optionally the GPT-2 word split, then every
     * UTF-8 byte written as its {@link ByteLevelAlphabet} character.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public List<String> split(String text, boolean atStart) {
            if (text.isEmpty()) {
                return List.of();
            }
            String spaced = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            List<String> words = useRegex ? SplitBehavior.ISOLATED.split(spaced, GPT2_WORDS, false) : List.of(spaced);
            return words.stream().map(ByteLevelAlphabet::encode).toList();
        }
    }

    /** Cuts around a pattern's matches ({@code Split}, and {@code Digits} as a split on numerals). */
    record Split(Pattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {

        static Split digits(boolean individually) {
            // Rust's char::is_numeric is the Unicode N categories; runs of them form one word
            // unless each digit stands alone.
            return new Split(Pattern.compile(individually ? "\\p{N}" : "\\p{N}+"), SplitBehavior.ISOLATED, false);
        }

        @Override
        public List<String> split(String text, boolean atStart) {
            return behavior.split(text, pattern, invert);
        }
    }

    /** When {@link Metaspace} puts its replacement character in front of a stretch. */
    enum PrependScheme { FIRST, ALWAYS, NEVER }

    /**
     * SentencePiece's space handling as a pre-tokenizer: spaces become {@code replacement} ("▁"),
     * one is put in front per {@code scheme} unless the text already starts with one, and with
     * {@code split} every "▁" starts a new word.
     */
    record Metaspace(String replacement, PrependScheme scheme, boolean split) implements PreTokenizer {
        @Override
        public List<String> split(String text, boolean atStart) {
            String s = text.replace(" ", replacement);
            boolean prepend = switch (scheme) {
                case ALWAYS -> !s.startsWith(replacement);
                case FIRST -> atStart && !s.startsWith(replacement);
                case NEVER -> false;
            };
            if (prepend) {
                s = replacement + s;
            }
            if (s.isEmpty()) {
                return List.of();
            }
            return split ? SplitBehavior.MERGED_WITH_NEXT.split(s, Pattern.compile(Pattern.quote(replacement)), false)
                    : List.of(s);
        }
    }
}
