package dev.spruce.model.tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model directory's tokenizer with the settings its configs add to the vocabulary file: BOS
 * and EOS ids, whether a plain prompt starts with BOS, and the chat template. Made by
 * {@link Tokenizers#load}; every {@link Tokenizer} method is the vocabulary's, with these ids.
 */
public final class ModelTokenizer implements Tokenizer {

    private final Tokenizer vocabulary;
    private final Path source;
    private final int bosId;
    private final List<Integer> eosIds;
    private final boolean addsBos;
    private final ChatTemplate chatTemplate;

    /**
     * @param vocabulary   the tokenizer read from {@code source}
     * @param source       the file the vocabulary came from
     * @param bosId        BOS, or -1
     * @param eosIds       ids that end a generation
     * @param addsBos      whether a plain prompt starts with BOS
     * @param chatTemplate the chat template, or {@code null}
     */
    ModelTokenizer(Tokenizer vocabulary, Path source, int bosId, List<Integer> eosIds, boolean addsBos,
                   ChatTemplate chatTemplate) {
        this.vocabulary = Objects.requireNonNull(vocabulary);
        this.source = source;
        this.bosId = bosId;
        this.eosIds = List.copyOf(eosIds);
        this.addsBos = addsBos && bosId >= 0;
        this.chatTemplate = chatTemplate;
    }

    /** The file the vocabulary was read from ({@code tokenizer.json} or a llama2.c {@code .bin}). */
    public Path source() {
        return source;
    }

    /** Whether a plain prompt starts with BOS ({@code add_bos_token}, else the post-processor's; llama2.c: yes). */
    public boolean addsBos() {
        return addsBos;
    }

    /** The chat template, if the model has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /** The ids of a plain prompt: BOS first when {@link #addsBos()}, then {@code text}'s. */
    public int[] encodePrompt(String text) {
        int[] ids = vocabulary.encode(text);
        if (!addsBos) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = bosId;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /**
     * The ids of a conversation rendered by the chat template. No BOS is added: templates write
     * {@code bos_token} themselves, and it is matched as a special token.
     *
     * @throws ChatTemplateException if the model has no chat template or it refuses the messages
     */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) throws ChatTemplateException {
        if (chatTemplate == null) {
            throw new ChatTemplateException(source.getParent() + " has no chat template (tokenizer_config.json "
                    + "chat_template or chat_template.jinja)");
        }
        return vocabulary.encode(chatTemplate.render(messages, addGenerationPrompt));
    }

    @Override
    public int vocabSize() {
        return vocabulary.vocabSize();
    }

    @Override
    public int[] encode(String text) {
        return vocabulary.encode(text);
    }

    @Override
    public String decode(int[] ids) {
        return vocabulary.decode(ids);
    }

    @Override
    public StreamingDecoder newDecoder() {
        return vocabulary.newDecoder();
    }

    @Override
    public StreamingDecoder newDecoder(int[] context) {
        return vocabulary.newDecoder(context);
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public List<Integer> eosIds() {
        return eosIds;
    }

    @Override
    public String piece(int id) {
        return vocabulary.piece(id);
    }
}
