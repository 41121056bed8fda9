package dev.spruce.model.tokenizer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, in both Llama-family flavours:
 * SentencePiece-style ("▁" for spaces, byte fallback; Llama 2, TinyLlama, Mistral) and GPT-2
 * byte-level (Llama 3, Qwen2, SmolLM). Ids are those of the {@code tokenizers} library:
 *
 * <ol>
 *   <li>added tokens not marked {@code normalized} are cut out of the input whole;</li>
 *   <li>each stretch between them is normalized, then cut around added tokens marked
 *       {@code normalized};</li>
 *   <li>the pre-tokenizer splits each remaining stretch into words;</li>
 *   <li>BPE turns each word into ids, merging by rank.</li>
 * </ol>
 *
 * <p>{@link #encode} adds no BOS: the file's post-processor is not applied, see
 * {@link #templateAddsBos()}. Decoding skips special added tokens, like
 * {@code decode(ids, skip_special_tokens=True)}.
 */
public final class HfTokenizer implements Tokenizer {

    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final AddedTokenMatcher rawAdded;
    private final AddedTokenMatcher normalizedAdded;
    private final BpeModel model;
    private final String[] pieces;
    private final Map<String, Integer> idOfPiece;
    private final TokenBytes decoding;
    private final boolean templateAddsBos;
    private final int bosId;
    private final List<Integer> eosIds;

    /**
     * @param pieces  every id's vocabulary entry or added token ({@code null} for unused ids)
     * @param bosId   BOS, or -1
     * @param eosIds  ids that end a generation
     */
    HfTokenizer(TextNormalizer normalizer, PreTokenizer preTokenizer, List<AddedToken> added, BpeModel model,
                String[] pieces, HfDecoding decoding, boolean templateAddsBos, int bosId, List<Integer> eosIds) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.rawAdded = new AddedTokenMatcher(added.stream().filter(t -> !t.normalized()).toList());
        this.normalizedAdded = new AddedTokenMatcher(added.stream().filter(AddedToken::normalized).toList());
        this.model = model;
        this.pieces = pieces.clone();
        this.idOfPiece = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            if (pieces[id] != null) {
                idOfPiece.putIfAbsent(pieces[id], id);
            }
        }
        boolean[] control = new boolean[pieces.length];
        added.stream().filter(AddedToken::special).forEach(t -> control[t.id()] = true);
        this.decoding = decoding.table(pieces, control);
        this.templateAddsBos = templateAddsBos;
        this.bosId = bosId;
        this.eosIds = List.copyOf(eosIds);
    }

    /**
     * Reads a {@code tokenizer.json}. BOS is the special token its post-processor puts first, if
     * any; the file names no EOS ({@link Tokenizers#load} takes both from the model's configs).
     *
     * @throws TokenizerException naming the file if it is unreadable, not BPE, or uses a
     *                             normalizer, pre-tokenizer or decoder Spruce does not know
     */
    public static HfTokenizer read(Path tokenizerJson) throws TokenizerException {
        return new HfTokenizerReader(tokenizerJson).read();
    }

    /** The id of a vocabulary entry or added token, or -1. */
    public int idOf(String piece) {
        return idOfPiece.getOrDefault(piece, -1);
    }

    /** Whether the file's post-processor puts BOS before a text (what Hugging Face does by default). */
    public boolean templateAddsBos() {
        return templateAddsBos;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int[] encode(String text) {
        IntList ids = new IntList();
        for (AddedTokenMatcher.Segment raw : rawAdded.split(text)) {
            if (raw.isToken()) {
                ids.add(raw.id());
                continue;
            }
            for (AddedTokenMatcher.Segment part : normalizedAdded.split(normalizer.normalize(raw.text()))) {
                if (part.isToken()) {
                    ids.add(part.id());
                    continue;
                }
                boolean atStart = raw.offset() == 0 && part.offset() == 0;
                for (String word : preTokenizer.split(part.text(), atStart)) {
                    model.tokenize(word, ids);
                }
            }
        }
        return ids.toArray();
    }

    @Override
    public String decode(int[] ids) {
        return decoding.decode(ids);
    }

    @Override
    public StreamingDecoder newDecoder() {
        return decoding.newDecoder();
    }

    @Override
    public StreamingDecoder newDecoder(int[] context) {
        return decoding.newDecoder(context);
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
        checkId(id);
        return pieces[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("id " + id + " is outside the vocabulary of " + pieces.length);
        }
    }
}
