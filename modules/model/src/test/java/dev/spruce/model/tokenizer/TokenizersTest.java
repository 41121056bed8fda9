package dev.spruce.model.tokenizer;

import dev.spruce.checkpoint.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.spruce.model.tokenizer.TokenizerJsonFixture.SP;
import static org.junit.jupiter.api.Assertions.*;

class TokenizersTest {

    @TempDir
    Path tmp;

    @Test
    void aLlama2cDirectoryLoadsItsTokFile() throws IOException {
        ModelTokenizer t = Tokenizers.load(SharedData.stories260kHf());
        assertEquals("tok512.bin", t.source().getFileName().toString());
        assertEquals(512, t.vocabSize());
        assertEquals(1, t.bosId());
        assertEquals(List.of(2), t.eosIds());
        assertTrue(t.addsBos());
        assertTrue(t.chatTemplate().isEmpty());
        assertArrayEquals(new int[] {1, 291}, t.encodePrompt("The"));
        // stories260K.bin beside it is the model, not a tokenizer: only tok*.bin is looked at.
        assertEquals("tok512.bin", Tokenizers.load(SharedData.tok512().getParent()).source().getFileName().toString());
    }

    @Test
    void aVocabularyFileCanBeNamedDirectly() throws IOException {
        assertEquals(512, Tokenizers.load(SharedData.tok512()).vocabSize());
    }

    private Path hfDir(String tokenizerConfig) throws IOException {
        Path dir = tmp.resolve("hf");
        HfSentencePieceTokenizerTest.legacy().write(dir);
        if (tokenizerConfig != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        }
        return dir;
    }

    @Test
    void tokenizerConfigSetsSpecialTokensAndTemplate() throws IOException, ChatTemplateException {
        // Older configs write special tokens as objects; a template list has a "default" entry.
        Path dir = hfDir("""
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": false,
                 "chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}"}]}""");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 0]}");
        ModelTokenizer t = Tokenizers.load(dir);
        assertEquals(1, t.bosId());
        assertEquals(List.of(2, 0), t.eosIds(), "eos_token, then generation_config's extra ids");
        assertFalse(t.addsBos(), "add_bos_token overrides the post-processor");
        assertEquals("<s>hello</s>", t.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hello")), false));
        assertArrayEquals(new int[] {1, 274, 2}, t.encodeChat(List.of(ChatMessage.user("hello")), false));
    }

    @Test
    void withoutConfigsThePostProcessorDecidesBos() throws IOException {
        ModelTokenizer t = Tokenizers.load(hfDir(null));
        assertEquals(1, t.bosId());
        assertTrue(t.addsBos());
        assertEquals(List.of(), t.eosIds());
        assertArrayEquals(new int[] {1, 274}, t.encodePrompt("hello"));
        assertTrue(t.chatTemplate().isEmpty());
        assertThrows(ChatTemplateException.class, () -> t.encodeChat(List.of(ChatMessage.user("x")), true));
    }

    @Test
    void aChatTemplateFileIsUsedWhenTheConfigHasNone() throws IOException, ChatTemplateException {
        Path dir = hfDir("{\"bos_token\": \"<s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}[{{ m['role'] }}]{% endfor %}");
        assertEquals("[user]", Tokenizers.load(dir).chatTemplate().orElseThrow().render(List.of(ChatMessage.user("x")), true));
    }

    @Test
    void aConfigTokenMissingFromTheVocabularyNamesTheConfig() throws IOException {
        Path dir = hfDir("{\"bos_token\": \"<|begin_of_text|>\"}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": bos_token '<|begin_of_text|>' is not in tokenizer.json",
                e.getMessage());
    }

    @Test
    void missingAndAmbiguousTokenizersAreNamed() throws IOException {
        Path none = Files.createDirectories(tmp.resolve("none"));
        assertEquals(none + ": has no tokenizer: expected tokenizer.json, tokenizer.bin or tok*.bin",
                assertThrows(TokenizerException.class, () -> Tokenizers.load(none)).getMessage());
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizers.load(tmp.resolve("absent")))
                .getMessage().endsWith("absent: does not exist"));
        Files.writeString(none.resolve("tokenizer.model"), "x");
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizers.load(none)).getMessage()
                .contains("only a SentencePiece tokenizer.model"));
        Path two = Files.createDirectories(tmp.resolve("two"));
        Files.copy(SharedData.tok512(), two.resolve("tok512.bin"));
        Files.copy(SharedData.tok512(), two.resolve("tok4096.bin"));
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizers.load(two)).getMessage()
                .contains("several llama2.c tokenizers [tok4096.bin, tok512.bin]"));
    }

    private String problemWith(String tokenizerJson) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad" + System.nanoTime()));
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.load(dir));
        assertEquals(dir.resolve("tokenizer.json"), e.file());
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": "), e.getMessage());
        return e.getMessage().substring(dir.resolve("tokenizer.json").toString().length() + 2);
    }

    @Test
    void malformedTokenizerJsonSaysWhatIsWrong() throws IOException {
        assertTrue(problemWith("{\"model\": ").startsWith("is not valid JSON"));
        assertEquals("has no \"model\" object", problemWith("{}"));
        assertEquals("model type 'Unigram' is not supported: Spruce reads BPE tokenizers only",
                problemWith("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}"));
        String okModel = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}";
        assertEquals("pre_tokenizer 'Whitespace' is not supported",
                problemWith("{" + okModel + ", \"pre_tokenizer\": {\"type\": \"Whitespace\"}}"));
        assertEquals("normalizer 'BertNormalizer' is not supported",
                problemWith("{" + okModel + ", \"normalizer\": {\"type\": \"BertNormalizer\"}}"));
        assertEquals("decoder 'WordPiece' is not supported",
                problemWith("{" + okModel + ", \"decoder\": {\"type\": \"WordPiece\"}}"));
        assertEquals("model.merges[0] (\"a c\") uses or makes a token missing from model.vocab",
                problemWith("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a c\"]}}"));
        assertEquals("model.merges[0] is \"ab\", not \"a b\" or [\"a\", \"b\"]",
                problemWith("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"ab\"]}}"));
        assertTrue(problemWith("{" + okModel + ", \"pre_tokenizer\": {\"type\": \"Split\", \"behavior\": \"Isolated\","
                + " \"pattern\": {\"Regex\": \"(?<name\"}}}").startsWith("pre_tokenizer Split regex does not compile in Java"));
    }

    @Test
    void theSpTokenizerHasItsSpaceMark() throws IOException {
        assertEquals(SP, Tokenizers.load(hfDir(null)).piece(259));
    }
}
