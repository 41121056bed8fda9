package dev.spruce.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The cases of Hugging Face tokenizers' own tests for NormalizedString::split. */
class SplitBehaviorTest {

    private static final Pattern DASH = Pattern.compile("-");

    @Test
    void eachBehaviourOnTheFinalCountdown() {
        String text = "The-final--countdown";
        assertEquals(List.of("The", "final", "countdown"), SplitBehavior.REMOVED.split(text, DASH, false));
        assertEquals(List.of("The", "-", "final", "-", "-", "countdown"), SplitBehavior.ISOLATED.split(text, DASH, false));
        assertEquals(List.of("The-", "final-", "-", "countdown"), SplitBehavior.MERGED_WITH_PREVIOUS.split(text, DASH, false));
        assertEquals(List.of("The", "-final", "-", "-countdown"), SplitBehavior.MERGED_WITH_NEXT.split(text, DASH, false));
        assertEquals(List.of("The", "-", "final", "--", "countdown"), SplitBehavior.CONTIGUOUS.split(text, DASH, false));
    }

    @Test
    void invertKeepsTheMatchesAsWords() {
        // Inverted, the letters are what stays and the dashes are what REMOVED drops.
        assertEquals(List.of("The", "final", "countdown"),
                SplitBehavior.REMOVED.split("The-final--countdown", Pattern.compile("\\p{L}+"), true));
        assertEquals(List.of("-", "--"), SplitBehavior.REMOVED.split("The-final--countdown", Pattern.compile("\\p{L}+"), false));
    }

    @Test
    void gpt2PatternCutsWordsWithTheirLeadingSpace() {
        // "  How": \s+(?!\S) backs off to the first space, so the second one goes with "How".
        assertEquals(List.of("Hello", " world", "!", " ", " How", "'s", " it", " going", "?", "\n"),
                SplitBehavior.ISOLATED.split("Hello world!  How's it going?\n", PreTokenizer.GPT2_WORDS, false));
        assertEquals(List.of("caf\u00e9", " \u00fcber", " 123", " \u4e2d\u6587"),
                SplitBehavior.ISOLATED.split("caf\u00e9 \u00fcber 123 \u4e2d\u6587", PreTokenizer.GPT2_WORDS, false),
                "letters and numbers beyond ASCII");
        // \s is Unicode whitespace, as in Hugging Face's regex engine: the ideographic spaces are
        // whitespace words, not one run of "other" characters.
        assertEquals(List.of("a", "\u3000", "\u3000", "b"),
                SplitBehavior.ISOLATED.split("a\u3000\u3000b", PreTokenizer.GPT2_WORDS, false));
    }

    @Test
    void metaspaceSplitStartsAWordAtEachMark() {
        var metaspace = new PreTokenizer.Metaspace("\u2581", PreTokenizer.PrependScheme.ALWAYS, true);
        assertEquals(List.of("\u2581Hey", "\u2581friend!", "\u2581", "\u2581how"), metaspace.split("Hey friend!  how", false));
    }
}
