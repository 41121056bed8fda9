package dev.spruce.model.tokenizer;

import dev.spruce.checkpoint.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Llama2cTokenizerTest {

    private static Llama2cTokenizer tok512;
    private static List<String> stories;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        tok512 = Llama2cTokenizer.read(SharedData.tok512());
        stories = TinyStories.stories();
    }

    @Test
    void tok512HasTheStories260kVocabulary() {
        assertEquals(512, tok512.vocabSize());
        assertEquals(7, tok512.maxPieceLength());
        assertEquals(1, tok512.bosId());
        assertEquals(List.of(2), tok512.eosIds());
        assertEquals("<0x0A>", tok512.piece(13));
        assertEquals(" The", tok512.piece(291));
        assertEquals(1000, stories.size());
    }

    /**
     * DESIGN.md lists the first evaluation story as "beginning 291, 328, 286, …": that list does
     * NOT include BOS. 291 is " The", the encoder's leading " " merged with the story's first word;
     * with BOS prepended, as the TS protocol feeds the model, the sequence starts 1, 291, ….
     */
    @Test
    void firstEvaluationStoryBeginsWithThePublishedIds() {
        int[] published = {291, 328, 286, 261, 421, 423, 414, 356, 334, 330, 269, 265, 262, 379, 286, 280};
        int[] ids = tok512.encode(stories.get(TinyStories.FIRST_EVALUATION_STORY));
        assertArrayEquals(published, Arrays.copyOf(ids, published.length), "without BOS");
        int[] withBos = withBos(ids);
        assertEquals(1, withBos[0]);
        assertArrayEquals(published, Arrays.copyOfRange(withBos, 1, 1 + published.length));
        // " c" is the start of the next word: the published prefix ends inside it.
        assertEquals("The day was almost over and the sun was c", tok512.decode(Arrays.copyOf(ids, published.length)));
    }

    @Test
    void evaluationStoriesMake112727TokensAnd440Windows() {
        long total = 0;
        for (int i = TinyStories.FIRST_EVALUATION_STORY; i < stories.size(); i++) {
            total += withBos(tok512.encode(stories.get(i))).length;
        }
        assertEquals(112_727, total);
        assertEquals(440, total / 256);
    }

    @Test
    void everyStoryRoundTrips() {
        for (int i = 0; i < stories.size(); i++) {
            String s = stories.get(i);
            assertEquals(s, tok512.decode(withBos(tok512.encode(s))), "story " + i);
        }
    }

    @Test
    void encodesAThousandStoriesInWellUnderASecond() {
        for (int warm = 0; warm < 3; warm++) {
            stories.forEach(tok512::encode);
        }
        assertTimeout(Duration.ofMillis(1000), () -> stories.forEach(tok512::encode));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Once upon a time, there was a cat.", "Lily said: \"Hi!\"\n\nTom smiled.\n",
            "  two leading spaces and tab\t", "caf\u00e9 na\u00efve \u00fcber", "emoji \uD83D\uDC4B\uD83C\uDF89 done",
            "\u4e2d\u6587", "x"})
    void decodeInvertsEncode(String text) {
        assertEquals(text, tok512.decode(tok512.encode(text)));
        assertEquals(text, tok512.decode(withBos(tok512.encode(text))), "BOS decodes to nothing");
    }

    @Test
    void charactersOutsideTheVocabularyBecomeBytePieces() {
        // U+1F44B is F0 9F 91 8B in UTF-8; byte b is piece b + 3. No piece merges byte pieces.
        int[] ids = tok512.encode("\uD83D\uDC4B");
        assertArrayEquals(new int[] {tok512.encode(" ")[0], 0xF0 + 3, 0x9F + 3, 0x91 + 3, 0x8B + 3}, ids);
    }

    @Test
    void emptyTextHasNoIdsAndNoLeadingSpace() {
        assertArrayEquals(new int[0], tok512.encode(""));
        assertEquals("", tok512.decode(new int[0]));
        assertEquals("", tok512.decode(new int[] {Llama2cTokenizer.BOS, Llama2cTokenizer.EOS}));
    }

    /**
     * A hand-built vocabulary where each result can be checked on paper: after the 3 control and
     * 256 byte pieces come 259 " ", 260 "a", 261 "b", 262 "c", 263 "ab" (score -1), 264 "bc"
     * (-0.5), 265 " a" (-2), 266 "abc" (-3), 267 "aa" (-1), 268 "cc" (-2e10), 269 "\u00e9".
     */
    private Llama2cTokenizer tiny() throws IOException {
        List<String> extra = List.of(" ", "a", "b", "c", "ab", "bc", " a", "abc", "aa", "cc", "\u00e9");
        float[] extraScores = {0, -5, -5, -5, -1, -0.5f, -2, -3, -1, -2e10f, -5};
        Path file = tmp.resolve("tiny.bin");
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(3);
        for (int id = 0; id < 259 + extra.size(); id++) {
            String piece = id == 0 ? "<unk>" : id == 1 ? "\n<s>\n" : id == 2 ? "\n</s>\n"
                    : id < 259 ? String.format("<0x%02X>", id - 3) : extra.get(id - 259);
            byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            b.putFloat(id < 259 ? 0 : extraScores[id - 259]).putInt(bytes.length).put(bytes);
        }
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
        return Llama2cTokenizer.read(file);
    }

    @Test
    void highestScoringPairMergesFirst() throws IOException {
        // [" ", a, b, c]: candidates " a" -2, "ab" -1, "bc" -0.5 -> "bc" wins: [" ", a, bc].
        // Then " a" -2 and "abc" -3 -> " a": [" a", bc]; " abc" is no piece, so that is the end.
        assertArrayEquals(new int[] {265, 264}, tiny().encode("abc"));
    }

    @Test
    void leftmostPairWinsATie() throws IOException {
        // [" ", a, a, a]: "aa" (-1) at positions 1 and 2 beats " a" (-2); the left one merges:
        // [" ", aa, a], and neither " aa" nor "aaa" is a piece.
        assertArrayEquals(new int[] {259, 267, 260}, tiny().encode("aaa"));
    }

    @Test
    void piecesScoringAtMostMinusTenBillionNeverMerge() throws IOException {
        // llama2.c's search for the best pair starts at -1e10 and needs a strictly higher score.
        assertArrayEquals(new int[] {259, 262, 262}, tiny().encode("cc"));
    }

    @Test
    void multiByteCharactersAreOnePieceWhenTheVocabularyHasThem() throws IOException {
        Llama2cTokenizer t = tiny();
        assertArrayEquals(new int[] {259, 269}, t.encode("\u00e9"));
        // "\u00fc" (C3 BC) is not a piece: byte pieces 0xC3 + 3 and 0xBC + 3.
        assertArrayEquals(new int[] {259, 0xC3 + 3, 0xBC + 3}, t.encode("\u00fc"));
        assertEquals("\u00fc\u00e9", t.decode(t.encode("\u00fc\u00e9")));
    }

    @Test
    void streamingHoldsBackAnUnfinishedCharacter() {
        int[] ids = tok512.encode("hi \uD83D\uDC4B!");
        Tokenizer.StreamingDecoder d = tok512.newDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String piece = d.next(id);
            if (id >= 0xF0 + 3 && id < 256 + 3) {
                assertEquals("", piece, "a lead byte alone is no character yet");
            }
            out.append(piece);
        }
        assertEquals("hi \uD83D\uDC4B!", out.append(d.flush()).toString());
    }

    @Test
    void streamingFlushesAnIncompleteCharacterAsReplacement() {
        Tokenizer.StreamingDecoder d = tok512.newDecoder();
        assertEquals("", d.next(0xE2 + 3));
        assertEquals("\uFFFD", d.flush());
        assertEquals("\uFFFDA", tok512.decode(new int[] {0xE2 + 3, 'A' + 3}), "a broken sequence does not swallow 'A'");
    }

    @Test
    void truncatedFileNamesTheFileTheTokenAndTheOffset() throws IOException {
        byte[] whole = Files.readAllBytes(SharedData.tok512());
        Path cut = tmp.resolve("cut.bin");
        // 4 header bytes, then 13 + 13 + 14 bytes of control pieces and 14 per byte piece: token 7
        // starts at byte 100, and 5 bytes of it are left.
        Files.write(cut, Arrays.copyOf(whole, 105));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Llama2cTokenizer.read(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("(byte 100): token 7 is truncated"), e.getMessage());
        assertEquals(cut, e.file());
    }

    @Test
    void aVocabularyWithoutBytePiecesIsRejected() throws IOException {
        Path file = tmp.resolve("nobytes.bin");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(1);
        for (String p : List.of("<unk>", "<s>", "</s>", "a")) {
            b.putFloat(0).putInt(p.length()).put(p.getBytes(StandardCharsets.US_ASCII));
        }
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Llama2cTokenizer.read(file));
        assertTrue(e.getMessage().contains("token 3 is 'a', expected the byte piece <0x00>"), e.getMessage());
    }

    private static int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = Llama2cTokenizer.BOS;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
