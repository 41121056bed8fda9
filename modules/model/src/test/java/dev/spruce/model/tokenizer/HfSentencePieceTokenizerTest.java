package dev.spruce.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.spruce.model.tokenizer.TokenizerJsonFixture.SP;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Llama-2-style SentencePiece BPE in {@code tokenizer.json}, on a vocabulary small enough to
 * follow Hugging Face's algorithm by hand. Ids: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}
 * (special added tokens), 3–258 {@code <0x00>}–{@code <0xFF>}, 259 ▁, 260 h, 261 e, 262 l, 263 o,
 * 264 w, 265 r, 266 d, 267 a, 268 b, 269 c, then one piece per merge, merges ranked 0–11:
 * 270 ll, 271 ▁h, 272 ell, 273 ▁hell, 274 ▁hello, 275 ▁w, 276 or, 277 ▁wor, 278 ld, 279 ▁world,
 * 280 bc (from "b c", rank 10), 281 ab ("a b", rank 11).
 *
 * <p>Hugging Face's BPE repeatedly merges the adjacent pair of lowest rank, the leftmost on ties
 * (not the leftmost mergeable pair).
 */
class HfSentencePieceTokenizerTest {

    static final String LEGACY_NORMALIZER = """
            {"type": "Sequence", "normalizers": [
              {"type": "Prepend", "prepend": "\u2581"},
              {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}""";
    static final String METASPACE_FIRST = """
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false}""";
    static final String LLAMA_DECODER = """
            {"type": "Sequence", "decoders": [
              {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
              {"type": "ByteFallback"}, {"type": "Fuse"},
              {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}""";
    static final String BOS_TEMPLATE = """
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}""";

    @TempDir
    Path tmp;

    static TokenizerJsonFixture vocabulary() {
        return new TokenizerJsonFixture().llamaSpecialsAndBytes()
                .pieces(SP, "h", "e", "l", "o", "w", "r", "d", "a", "b", "c")
                .merge("l", "l").merge(SP, "h").merge("e", "ll").merge(SP + "h", "ell").merge(SP + "hell", "o")
                .merge(SP, "w").merge("o", "r").merge(SP + "w", "or").merge("l", "d").merge(SP + "wor", "ld")
                .merge("b", "c").merge("a", "b")
                .decoder(LLAMA_DECODER).postProcessor(BOS_TEMPLATE);
    }

    /** Llama 2 as first converted: normalizer Prepend("▁") + Replace(" " → "▁"), no pre-tokenizer. */
    static TokenizerJsonFixture legacy() {
        return vocabulary().normalizer(LEGACY_NORMALIZER);
    }

    /** Llama 2 as converted by newer transformers: no normalizer, Metaspace with prepend_scheme "first". */
    static TokenizerJsonFixture metaspace() {
        return vocabulary().preTokenizer(METASPACE_FIRST);
    }

    @Test
    void fixtureIdsAreAsDocumented() {
        TokenizerJsonFixture f = legacy();
        assertArrayEquals(new int[] {259, 269, 270, 274, 279, 280, 281}, f.ids(SP, "c", "ll", SP + "hello", SP + "world", "bc", "ab"));
        assertEquals(13, f.id("<0x0A>"));
    }

    @Test
    void wordsMergeByRank() throws IOException {
        // "hello world" -> "▁hello world" -> "▁hello▁world", one word (no pre-tokenizer):
        // ▁ h e l l o ▁ w o r l d; by rank: ll(0), ▁h(1), ell(2), ▁hell(3), ▁hello(4), ▁w(5),
        // or(6), ▁wor(7), ld(8), ▁world(9).
        TokenizerJsonFixture f = legacy();
        assertArrayEquals(new int[] {274, 279}, f.load(tmp).encode("hello world"));
    }

    @Test
    void theLowestRankMergesFirstNotTheLeftmostPair() throws IOException {
        // "abc" -> ▁ a b c. "a b" (rank 11) is further left, but "b c" (rank 10) ranks first:
        // ▁ a bc, and "a bc" is no merge. Merging the leftmost mergeable pair would give ▁ ab c.
        TokenizerJsonFixture f = legacy();
        assertArrayEquals(f.ids(SP, "a", "bc"), f.load(tmp).encode("abc"));
    }

    @Test
    void legacyNormalizerDoublesALeadingSpace() throws IOException {
        // Prepend then Replace: " hello" -> "▁▁hello". "▁ ▁" is no merge, the second ▁ merges
        // with "hello" as above: ▁ ▁hello (real Llama 2 gives 29871 for that lone ▁).
        TokenizerJsonFixture f = legacy();
        HfTokenizer t = f.load(tmp);
        assertArrayEquals(f.ids(SP, SP + "hello"), t.encode(" hello"));
        assertEquals(" hello", t.decode(t.encode(" hello")), "the decoder strips only the prepended space");
    }

    @Test
    void metaspaceFirstDoesNotDoubleALeadingSpace() throws IOException {
        // Metaspace replaces " " by "▁" first and prepends only if the text does not start with ▁.
        TokenizerJsonFixture f = metaspace();
        HfTokenizer t = f.load(tmp);
        assertArrayEquals(f.ids(SP + "hello"), t.encode(" hello"));
        assertArrayEquals(f.ids(SP + "hello", SP + "world"), t.encode("hello world"));
        // Hugging Face gives "hello" back too: the decoder's Strip cannot tell the spaces apart.
        assertEquals("hello", t.decode(t.encode(" hello")));
    }

    @Test
    void unknownCharactersFallBackToBytes() throws IOException {
        // "hé" -> ▁ h é; é is no piece, so its UTF-8 bytes C3 A9 become <0xC3> <0xA9> (ids
        // 0xC3 + 3 = 198, 0xA9 + 3 = 172), which no merge touches; ▁ h -> ▁h.
        TokenizerJsonFixture f = legacy();
        HfTokenizer t = f.load(tmp);
        assertArrayEquals(new int[] {271, 198, 172}, t.encode("h\u00e9"));
        assertEquals("h\u00e9", t.decode(new int[] {271, 198, 172}));
    }

    @Test
    void newlinesAreBytePiecesAndTheNextWordHasNoSpaceMark() throws IOException {
        // "▁hello\nworld": \n is <0x0A> (13); "world" has no ▁, so "▁w" cannot apply:
        // w o r l d -> w or l d (rank 6) -> w or ld (rank 8).
        TokenizerJsonFixture f = legacy();
        HfTokenizer t = f.load(tmp);
        int[] ids = t.encode("hello\nworld");
        assertArrayEquals(f.ids(SP + "hello", "<0x0A>", "w", "or", "ld"), ids);
        assertEquals("hello\nworld", t.decode(ids));
    }

    @Test
    void legacyNormalizerPrependsAfterASpecialToken() throws IOException {
        // Added tokens are cut out before normalization, and Prepend applies to each remaining
        // stretch: "hello", "<s>", "world" -> ▁hello, <s>, ▁world.
        TokenizerJsonFixture f = legacy();
        assertArrayEquals(new int[] {274, 1, 279}, f.load(tmp).encode("hello<s>world"));
    }

    @Test
    void metaspaceFirstPrependsOnlyAtTheStartOfTheInput() throws IOException {
        // "world" starts at offset 8 of the input, so scheme "first" leaves it alone: w or ld.
        TokenizerJsonFixture f = metaspace();
        assertArrayEquals(f.ids(SP + "hello", "<s>", "w", "or", "ld"), f.load(tmp).encode("hello<s>world"));
        // A text that starts with a special token has no stretch at offset 0.
        assertArrayEquals(f.ids("<s>", "w", "or", "ld"), f.load(tmp.resolve("b")).encode("<s>world"));
    }

    @Test
    void decodingSkipsSpecialTokensAndStripsOneLeadingSpace() throws IOException {
        HfTokenizer t = legacy().load(tmp);
        assertEquals("hello world", t.decode(new int[] {1, 274, 279, 2}));
        assertEquals("", t.decode(new int[] {1}));
    }

    @Test
    void mergesAsPairsReadTheSame() throws IOException {
        HfTokenizer strings = legacy().load(tmp.resolve("strings"));
        HfTokenizer pairs = legacy().mergesAsPairs().load(tmp.resolve("pairs"));
        for (String s : List.of("hello world", "abc", " hello\nworld h\u00e9")) {
            assertArrayEquals(strings.encode(s), pairs.encode(s), s);
        }
    }

    @Test
    void postProcessorNamesBos() throws IOException {
        HfTokenizer t = legacy().load(tmp);
        assertEquals(1, t.bosId());
        assertTrue(t.templateAddsBos());
        assertEquals(List.of(), t.eosIds(), "tokenizer.json names no EOS; the configs do");
        assertEquals(282, t.vocabSize());
        assertEquals(SP + "hello", t.piece(274));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "Hello, World!\n\nTab\there.", "caf\u00e9 \u00fcber na\u00efve",
            "emoji \uD83D\uDC4B\uD83C\uDF89 \u4e2d\u6587", " two  spaces ", "\n"})
    void decodeInvertsEncode(String text) throws IOException {
        HfTokenizer t = legacy().load(tmp);
        assertEquals(text, t.decode(t.encode(text)));
    }

    @Test
    void aStreamingDecoderKeepsTheSpaceBeforeTextThatContinuesAPrompt() throws IOException {
        HfTokenizer t = legacy().load(tmp);
        int[] prompt = {1, 274};
        Tokenizer.StreamingDecoder continuing = t.newDecoder(prompt);
        assertEquals(" world", continuing.next(279));
        Tokenizer.StreamingDecoder fresh = t.newDecoder(new int[] {1});
        assertEquals("world", fresh.next(279), "after BOS alone the text starts, as in llama2.c");
    }
}
