package dev.spruce.model.tokenizer;

import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.synth.SyntheticCheckpoint;
import dev.spruce.checkpoint.synth.SyntheticPreset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tokenizers {@code spruce synth} writes (SentencePiece-style for stories260k, byte-level for
 * smollm2-135m), loaded as a model directory, against Jlama's reading of the same files.
 */
class SyntheticTokenizerTest {

    static final String MIXED = "Once upon a time, Tom said: \"Hi!\"\n\nThe 3 cats (and 12 dogs) ran  fast.\t"
            + "Caf\u00e9 \uD83D\uDC4B \u4e2d\u6587 don't I'm\n";

    @TempDir
    static Path tmp;

    static Path spDir, byteLevelDir;
    static ModelTokenizer sp, byteLevel;

    @BeforeAll
    static void writeCheckpoints() throws IOException {
        spDir = synth(SyntheticPreset.STORIES260K);
        byteLevelDir = synth(SyntheticPreset.SMOLLM2_135M);
        sp = Tokenizers.load(spDir);
        byteLevel = Tokenizers.load(byteLevelDir);
    }

    private static Path synth(SyntheticPreset preset) throws IOException {
        Path dir = tmp.resolve(preset.cliName());
        SyntheticCheckpoint.write(new SyntheticCheckpoint.Options(preset, DType.BF16, 1, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false), dir, WriteProgress.NONE);
        return dir;
    }

    @Test
    void sentencePieceSettingsComeFromTheConfigs() {
        assertEquals(512, sp.vocabSize());
        assertEquals("tokenizer.json", sp.source().getFileName().toString());
        assertEquals(1, sp.bosId());
        assertEquals("<s>", sp.piece(1));
        assertEquals(List.of(2), sp.eosIds(), "eos_token </s>, and config.json's eos_token_id 2 once");
        assertTrue(sp.addsBos());
        assertTrue(sp.chatTemplate().isPresent());
        assertEquals(1, sp.encodePrompt("hi")[0]);
    }

    @Test
    void byteLevelSettingsComeFromTheConfigs() {
        assertEquals(49_152, byteLevel.vocabSize());
        assertEquals("<|im_start|>", byteLevel.piece(byteLevel.bosId()), "tokenizer_config's bos_token");
        assertTrue(byteLevel.eosIds().contains(byteLevel.encode("<|im_end|>")[0]));
        assertFalse(byteLevel.addsBos(), "no add_bos_token and a post-processor that adds nothing");
        assertArrayEquals(byteLevel.encode("hi"), byteLevel.encodePrompt("hi"));
    }

    @Test
    void mixedTextRoundTrips() throws IOException {
        List<String> texts = new ArrayList<>(TinyStories.stories().subList(0, 50));
        texts.add(MIXED);
        for (ModelTokenizer t : List.of(sp, byteLevel)) {
            for (String text : texts) {
                assertEquals(text, t.decode(t.encode(text)), t.source().toString());
            }
        }
    }

    @Test
    void sentencePieceIdsAgreeWithJlama() throws IOException {
        LlamaTokenizer jlama = new LlamaTokenizer(spDir);
        List<String> texts = new ArrayList<>(List.of(MIXED, "the cat sat on the mat", "asne", " leading space", "x\ny"));
        // Jlama's merge loop rescans the whole text per merge, so a few stories take seconds.
        texts.addAll(TinyStories.stories().subList(0, 4));
        texts.addAll(randomWords(new Random(42), 500, "etaoinshrdlcumwfgypbvkjxqz"));
        for (String text : texts) {
            assertArrayEquals(jlama.encode(text), asLongs(sp.encode(text)), text);
        }
    }

    /**
     * Jlama skips a {@code pre_tokenizer} that is a lone {@code ByteLevel} (it only walks a
     * {@code Sequence}), so for this file it neither maps spaces, newlines and non-ASCII bytes nor
     * cuts words with GPT-2's pattern ("ab12" stays one word): its ids agree with Hugging Face's
     * only for runs of ASCII letters or of digits.
     */
    @Test
    void byteLevelIdsAgreeWithJlamaOnAsciiWords() throws IOException {
        LlamaTokenizer jlama = new LlamaTokenizer(byteLevelDir);
        List<String> words = randomWords(new Random(7), 400, "etaoinshrdlcumETAOINSHRDLCUM");
        words.addAll(randomWords(new Random(8), 100, "0123456789"));
        for (String word : words) {
            assertArrayEquals(jlama.encode(word), asLongs(byteLevel.encode(word)), word);
        }
    }

    @Test
    void sentencePieceChatTemplateEncodesSpecialTokens() throws ChatTemplateException {
        List<ChatMessage> chat = List.of(ChatMessage.user("hi"), ChatMessage.assistant("yo"), ChatMessage.user("bye"));
        assertEquals("<s>[INST] hi [/INST] yo</s><s>[INST] bye [/INST]", sp.chatTemplate().orElseThrow().render(chat, true));
        int[] ids = sp.encodeChat(chat, true);
        assertEquals(1, ids[0]);
        assertEquals(2, Arrays.stream(ids).filter(id -> id == 1).count(), "both <s> are the BOS id, not text");
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 2).count());
        assertEquals("[INST] hi [/INST] yo [INST] bye [/INST]", sp.decode(ids));
    }

    @Test
    void byteLevelChatTemplateIsChatMl() throws ChatTemplateException {
        List<ChatMessage> chat = List.of(ChatMessage.user("hi"));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                byteLevel.chatTemplate().orElseThrow().render(chat, true));
        int[] ids = byteLevel.encodeChat(chat, true);
        int start = byteLevel.encode("<|im_start|>")[0], end = byteLevel.encode("<|im_end|>")[0];
        assertEquals(start, ids[0]);
        assertEquals(List.of(start, end, start), Arrays.stream(ids).filter(id -> id == start || id == end).boxed().toList());
        assertEquals("user\nhi\nassistant\n", byteLevel.decode(ids));
    }

    private static List<String> randomWords(Random random, int count, String alphabet) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder w = new StringBuilder();
            for (int c = 1 + random.nextInt(9); c > 0; c--) {
                w.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            words.add(w.toString());
        }
        return words;
    }

    private static long[] asLongs(int[] ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }
}
