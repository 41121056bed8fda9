package dev.spruce.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code model} of a Hugging Face BPE {@code tokenizer.json}: turns one word into ids. Each
 * character becomes its vocabulary entry, else (with {@code byte_fallback}) its UTF-8 bytes as
 * {@code <0xNN>} entries, else the unknown token; then merges apply in rank order.
 */
final class BpeModel {

    /** Hugging Face caches words shorter than this, and at most this many of them. */
    private static final int CACHED_WORD_LENGTH = 256;
    private static final int CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    private final PairMerger merger;
    private final int[] byteIds;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab        the model's vocabulary (not the added tokens)
     * @param merger       the merges, priority = rank
     * @param byteFallback whether unknown characters become {@code <0xNN>} entries
     * @param unkId        the unknown token's id, or -1 to drop unknown characters
     * @param fuseUnk      whether a run of unknown characters becomes one unknown token
     * @param ignoreMerges whether a word that is a vocabulary entry is taken whole (Llama 3)
     */
    BpeModel(Map<String, Integer> vocab, PairMerger merger, boolean byteFallback, int unkId, boolean fuseUnk,
             boolean ignoreMerges) {
        this.vocab = Map.copyOf(vocab);
        this.merger = merger;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteIds[b] = byteFallback ? vocab.getOrDefault(String.format("<0x%02X>", b), -1) : -1;
        }
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void tokenize(String word, IntList out) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        if (word.length() >= CACHED_WORD_LENGTH) {
            out.addAll(merge(word));
            return;
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = merge(word);
            if (cache.size() < CACHE_CAPACITY) {
                cache.put(word, ids);
            }
        }
        out.addAll(ids);
    }

    private int[] merge(String word) {
        IntList symbols = new IntList();
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String c = word.substring(i, i + Character.charCount(cp));
            i += c.length();
            Integer id = vocab.get(c);
            if (id != null) {
                symbols.add(id);
                previousUnknown = false;
            } else if (!addBytes(c, symbols)) {
                // Without byte pieces for every byte, the character is unknown: one <unk>, or one per run.
                if (unkId >= 0 && !(fuseUnk && previousUnknown)) {
                    symbols.add(unkId);
                }
                previousUnknown = true;
            } else {
                previousUnknown = false;
            }
        }
        return merger.apply(symbols.toArray());
    }

    private boolean addBytes(String character, IntList symbols) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : utf8) {
            symbols.add(byteIds[b & 0xFF]);
        }
        return true;
    }
}
