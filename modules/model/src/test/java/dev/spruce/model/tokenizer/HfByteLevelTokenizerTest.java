package dev.spruce.model.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

import static dev.spruce.model.tokenizer.TokenizerJsonFixture.JSON;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPT-2-style byte-level BPE in {@code tokenizer.json}: GPT-2 (ByteLevel with its own regex),
 * Llama 3 / Qwen2 (a Split regex, then ByteLevel without one) and SmolLM (Digits, then ByteLevel).
 *
 * <p>Ids 0–255 are the byte characters, so a byte's id is its value ("a" = 97, "Ġ" = space = 32,
 * "Ċ" = newline = 10, "Ã" = 0xC3 = 195). Merges, ranked 0–10, each adding the next id: 256 Ġt,
 * 257 he, 258 Ġthe, 259 n', 260 't, 261 on, 262 don, 263 'm, 264 12, 265 ĊĊ, 266 'T; then 267
 * {@code <|endoftext|>} (special).
 */
class HfByteLevelTokenizerTest {

    /** Llama 3's Split pattern (Qwen2's differs only in \p{N} instead of \p{N}{1,3}). */
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir
    Path tmp;

    static TokenizerJsonFixture vocabulary() {
        return new TokenizerJsonFixture().byteLevelAlphabet()
                .merge("\u0120", "t").merge("h", "e").merge("\u0120t", "he").merge("n", "'").merge("'", "t")
                .merge("o", "n").merge("d", "on").merge("'", "m").merge("1", "2").merge("\u010A", "\u010A")
                .merge("'", "T")
                .special("<|endoftext|>")
                .decoder("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true}");
    }

    static TokenizerJsonFixture gpt2() {
        return vocabulary().preTokenizer(
                "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}");
    }

    static TokenizerJsonFixture llama3() {
        ObjectNode split = JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", LLAMA3_REGEX);
        ObjectNode sequence = JSON.createObjectNode().put("type", "Sequence");
        sequence.putArray("pretokenizers").add(split).addObject().put("type", "ByteLevel")
                .put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        return vocabulary().pieces("\u0120xyz").special("<|begin_of_text|>").ignoreMerges().preTokenizer(sequence)
                .postProcessor("""
                        {"type": "Sequence", "processors": [
                          {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                          {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>",
                             "ids": [269], "tokens": ["<|begin_of_text|>"]}}}]}""");
    }

    static TokenizerJsonFixture smolLm() {
        return vocabulary().preTokenizer("""
                {"type": "Sequence", "pretokenizers": [
                  {"type": "Digits", "individual_digits": true},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}""");
    }

    @Test
    void fixtureIdsAreAsDocumented() {
        TokenizerJsonFixture f = gpt2();
        assertArrayEquals(new int[] {32, 10, 195, 256, 258, 265, 266, 267},
                f.ids("\u0120", "\u010A", "\u00C3", "\u0120t", "\u0120the", "\u010A\u010A", "'T", "<|endoftext|>"));
    }

    @Test
    void aSpaceBelongsToTheFollowingWord() throws IOException {
        // GPT-2's regex cuts "the the" into "the" and " the". "the": t h e -> t he (rank 1);
        // "Ġt he" needs Ġt, so that is all. " the" = Ġ t h e -> Ġt (0), he (1), Ġthe (2).
        assertArrayEquals(new int[] {'t', 257, 258}, gpt2().load(tmp).encode("the the"));
    }

    @Test
    void contractionsAreCutOffBeforeBpe() throws IOException {
        // "don't" -> "don" + "'t": the merge "n '" (rank 3) would cross that cut, so it never
        // applies; "don" = d o n -> d on (5) -> don (6); "'t" -> 't (4).
        HfTokenizer t = gpt2().load(tmp);
        assertArrayEquals(new int[] {262, 260}, t.encode("don't"));
        // "I'm" -> "I" + "'m": I, 'm (7).
        assertArrayEquals(new int[] {'I', 263}, t.encode("I'm"));
    }

    @Test
    void gpt2ContractionsAreLowerCaseOnlyLlama3sAreNot() throws IOException {
        // GPT-2: "DON'T" -> "DON", "'" (punctuation run), "T": the merge "' T" cannot apply.
        assertArrayEquals(new int[] {'D', 'O', 'N', '\'', 'T'}, gpt2().load(tmp.resolve("gpt2")).encode("DON'T"));
        // Llama 3's (?i:'t) makes "'T" a word, so "' T" (rank 10) merges it: 266.
        assertArrayEquals(new int[] {'D', 'O', 'N', 266}, llama3().load(tmp.resolve("llama3")).encode("DON'T"));
    }

    @Test
    void digitsSplitDifferentlyPerPreTokenizer() throws IOException {
        // GPT-2: " 12345" is one word " ?\p{N}+": Ġ 1 2 3 4 5 -> Ġ 12 3 4 5.
        assertArrayEquals(new int[] {32, 264, '3', '4', '5'}, gpt2().load(tmp.resolve("gpt2")).encode(" 12345"));
        // Llama 3: \p{N}{1,3} cuts "12345" into "123" and "45"; the space is its own word.
        assertArrayEquals(new int[] {32, 264, '3', '4', '5'}, llama3().load(tmp.resolve("llama3")).encode(" 12345"));
        assertArrayEquals(new int[] {'4', 264, '3', '4', '5'}, llama3().load(tmp.resolve("llama3b")).encode("412345"),
                "\"412\" and \"345\": 1 2 merges in the first, nothing in the second");
        // SmolLM: Digits(individual) makes every digit a word before ByteLevel, so "1 2" never merges.
        assertArrayEquals(new int[] {32, '1', '2', '3', '4', '5'}, smolLm().load(tmp.resolve("smol")).encode(" 12345"));
    }

    @Test
    void newlinesFollowEachRegex() throws IOException {
        // GPT-2: in "a\n\nb", \s+(?!\S) backs off to the first \n (the second is followed by b),
        // then \s+ takes the other: "a", "\n", "\n", "b" — two words, so "Ċ Ċ" cannot merge.
        HfTokenizer gpt2 = gpt2().load(tmp.resolve("gpt2"));
        assertArrayEquals(new int[] {'a', 10, 10, 'b'}, gpt2.encode("a\n\nb"));
        // At the end of the text nothing follows, so "\n\n" is one word: ĊĊ (265).
        assertArrayEquals(new int[] {'a', 265}, gpt2.encode("a\n\n"));
        // Llama 3: \s*[\r\n]+ takes "\n\n" as one word.
        assertArrayEquals(new int[] {'a', 265, 'b'}, llama3().load(tmp.resolve("llama3")).encode("a\n\nb"));
    }

    @Test
    void specialTokensAreMatchedWholeAndNeverMerged() throws IOException {
        // "the<|endoftext|>the": the token is cut out first, each "the" is t he.
        HfTokenizer t = gpt2().load(tmp);
        int[] ids = t.encode("the<|endoftext|>the");
        assertArrayEquals(new int[] {'t', 257, 267, 't', 257}, ids);
        assertEquals("thethe", t.decode(ids), "special tokens decode to nothing");
        // Without the exact string, the pieces are ordinary bytes.
        assertArrayEquals(new int[] {'<', '|', 'e'}, java.util.Arrays.copyOf(t.encode("<|endoftext"), 3));
    }

    @Test
    void nonAsciiIsItsUtf8Bytes() throws IOException {
        // é = C3 A9 -> "Ã" (195) "©" (169); 👋 = F0 9F 91 8B.
        HfTokenizer t = gpt2().load(tmp);
        assertArrayEquals(new int[] {0xC3, 0xA9}, t.encode("\u00e9"));
        assertArrayEquals(new int[] {32, 0xF0, 0x9F, 0x91, 0x8B}, t.encode(" \uD83D\uDC4B"));
    }

    @Test
    void ignoreMergesTakesAWordThatIsAPieceWhole() throws IOException {
        // No merge builds "Ġxyz", but Llama 3's ignore_merges looks the word up first.
        TokenizerJsonFixture f = llama3();
        assertArrayEquals(f.ids("\u0120xyz"), f.load(tmp).encode(" xyz"));
        assertArrayEquals(new int[] {32, 'x', 'y', 'z'}, gpt2().pieces("\u0120xyz").load(tmp.resolve("g")).encode(" xyz"));
    }

    @Test
    void llama3sPostProcessorNamesBos() throws IOException {
        HfTokenizer t = llama3().load(tmp);
        assertEquals(269, t.bosId());
        assertTrue(t.templateAddsBos());
        assertFalse(gpt2().load(tmp.resolve("g")).templateAddsBos());
    }

    @ParameterizedTest
    @ValueSource(strings = {"the cat's 12345 mats\n\n  indented\tTab", "DON'T I'm we'll", "caf\u00e9 \uD83D\uDC4B\u4e2d\u6587",
            " leading and trailing ", "\r\n"})
    void decodeInvertsEncode(String text) throws IOException {
        for (TokenizerJsonFixture f : new TokenizerJsonFixture[] {gpt2(), llama3(), smolLm()}) {
            HfTokenizer t = f.load(tmp.resolve(String.valueOf(System.nanoTime())));
            assertEquals(text, t.decode(t.encode(text)));
        }
    }

    @Test
    void aCharacterSplitOverIdsStreamsWhenComplete() throws IOException {
        HfTokenizer t = gpt2().load(tmp);
        Tokenizer.StreamingDecoder d = t.newDecoder();
        assertEquals("a", d.next('a'));
        assertEquals("", d.next(0xF0));
        assertEquals("", d.next(0x9F));
        assertEquals("", d.next(0x91));
        assertEquals("\uD83D\uDC4B", d.next(0x8B));
        assertEquals("", d.flush());
    }
}
