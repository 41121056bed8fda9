package dev.spruce.model.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads a model directory's tokenizer: {@code tokenizer.json} (Hugging Face) if there
 * is one, else a llama2.c {@code tokenizer.bin} or single {@code tok*.bin}; then the settings of
 * {@code tokenizer_config.json} (BOS and EOS tokens, {@code add_bos_token}, the chat template, or
 * {@code chat_template.jinja}), {@code generation_config.json} and {@code config.json} (extra EOS
 * ids, such as end-of-turn tokens).
 */
public final class Tokenizers {

    static final String HF_FILE = "tokenizer.json";
    static final String LLAMA2C_FILE = "tokenizer.bin";
    static final String TEMPLATE_FILE = "chat_template.jinja";

    private Tokenizers() {
    }

    /**
     * The tokenizer of {@code modelDir} (or of the vocabulary file {@code modelDir} names).
     *
     * @throws TokenizerException naming the file and the problem if there is no tokenizer, it is
     *                             unreadable or malformed, or a config names a token it lacks
     */
    public static ModelTokenizer load(Path modelDir) throws TokenizerException {
        Path dir, file;
        if (Files.isRegularFile(modelDir)) {
            file = modelDir;
            dir = modelDir.toAbsolutePath().getParent();
        } else if (Files.isDirectory(modelDir)) {
            dir = modelDir;
            file = findVocabulary(dir);
        } else {
            throw new TokenizerException(modelDir, "does not exist");
        }
        TokenizerConfig config = TokenizerConfig.read(dir);
        String template = config.chatTemplate() != null ? config.chatTemplate() : readTemplateFile(dir);
        return file.getFileName().toString().endsWith(".json")
                ? huggingFace(file, dir, config, template)
                : llama2c(file, config, template);
    }

    private static Path findVocabulary(Path dir) throws TokenizerException {
        if (Files.isRegularFile(dir.resolve(HF_FILE))) {
            return dir.resolve(HF_FILE);
        }
        if (Files.isRegularFile(dir.resolve(LLAMA2C_FILE))) {
            return dir.resolve(LLAMA2C_FILE);
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "tok*.bin")) {
            s.forEach(candidates::add);
        } catch (IOException e) {
            throw new TokenizerException(dir, "cannot be listed: " + e, e);
        }
        if (candidates.size() == 1) {
            return candidates.getFirst();
        }
        if (candidates.size() > 1) {
            throw new TokenizerException(dir, "has several llama2.c tokenizers " + candidates.stream()
                    .map(p -> p.getFileName().toString()).sorted().toList() + ": keep one, or name it tokenizer.bin");
        }
        if (Files.exists(dir.resolve("tokenizer.model"))) {
            throw new TokenizerException(dir, "has only a SentencePiece tokenizer.model; Spruce reads tokenizer.json "
                    + "(Hugging Face) or a llama2.c tokenizer.bin");
        }
        throw new TokenizerException(dir, "has no tokenizer: expected tokenizer.json, tokenizer.bin or tok*.bin");
    }

    private static String readTemplateFile(Path dir) throws TokenizerException {
        Path file = dir.resolve(TEMPLATE_FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot be read: " + e, e);
        }
    }

    private static ModelTokenizer huggingFace(Path file, Path dir, TokenizerConfig config, String template)
            throws TokenizerException {
        HfTokenizer t = HfTokenizer.read(file);
        Path configFile = dir.resolve(TokenizerConfig.FILE);
        int bos = config.bosToken() != null ? idOf(t, config.bosToken(), "bos_token", configFile)
                : config.bosTokenId() != null ? config.bosTokenId() : t.bosId();
        List<Integer> eos = new ArrayList<>();
        if (config.eosToken() != null) {
            eos.add(idOf(t, config.eosToken(), "eos_token", configFile));
        }
        config.eosTokenIds().stream().filter(id -> !eos.contains(id)).forEach(eos::add);
        boolean addsBos = config.addBosToken() != null ? config.addBosToken() : t.templateAddsBos();
        ChatTemplate chat = template == null ? null : new ChatTemplate(template,
                config.bosToken() != null ? config.bosToken() : textOf(t, bos),
                config.eosToken() != null ? config.eosToken() : eos.isEmpty() ? "" : textOf(t, eos.getFirst()));
        return new ModelTokenizer(t, file, bos, eos, addsBos, chat);
    }

    private static ModelTokenizer llama2c(Path file, TokenizerConfig config, String template)
            throws TokenizerException {
        Llama2cTokenizer t = Llama2cTokenizer.read(file);
        ChatTemplate chat = template == null ? null : new ChatTemplate(template,
                config.bosToken() != null ? config.bosToken() : "<s>",
                config.eosToken() != null ? config.eosToken() : "</s>");
        return new ModelTokenizer(t, file, Llama2cTokenizer.BOS, List.of(Llama2cTokenizer.EOS), true, chat);
    }

    private static int idOf(HfTokenizer t, String token, String field, Path configFile) throws TokenizerException {
        int id = t.idOf(token);
        if (id < 0) {
            throw new TokenizerException(configFile, field + " '" + token + "' is not in " + HF_FILE);
        }
        return id;
    }

    private static String textOf(HfTokenizer t, int id) {
        return id >= 0 && id < t.vocabSize() && t.piece(id) != null ? t.piece(id) : "";
    }
}
