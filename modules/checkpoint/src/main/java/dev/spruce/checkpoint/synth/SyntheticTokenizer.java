package dev.spruce.checkpoint.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A valid Hugging Face {@code tokenizer.json} of exactly a model's vocabulary size, for synthetic
 * checkpoints: special tokens, a complete base alphabet (byte tokens, so any text encodes), then
 * merges of existing tokens until the vocabulary is full. The merges are deterministic, not
 * learned: the point is a tokenizer with the real structure and size that loaders accept.
 */
final class SyntheticTokenizer {

    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SP_SPACE = "\u2581";
    private static final String BYTE_LEVEL_SPACE = "\u0120";
    private static final String LETTERS = "etaoinshrdlcumwfgypbvkjxqz" + "ETAOINSHRDLCUMWFGYPBVKJXQZ" + "0123456789";

    private final TokenizerKind kind;
    private final int vocabSize;
    private final List<String> specials;
    private final Map<String, Integer> vocab = new LinkedHashMap<>();
    private final List<String> merges = new ArrayList<>();

    SyntheticTokenizer(TokenizerKind kind, int vocabSize) {
        this.kind = kind;
        this.vocabSize = vocabSize;
        this.specials = kind == TokenizerKind.SENTENCEPIECE_BPE
                ? List.of("<unk>", "<s>", "</s>")
                : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
        specials.forEach(this::add);
        List<String> mergeable = new ArrayList<>();
        if (kind == TokenizerKind.SENTENCEPIECE_BPE) {
            for (int b = 0; b < 256; b++) {
                add(String.format("<0x%02X>", b));
            }
            mergeable.add(SP_SPACE);
            LETTERS.chars().forEach(c -> mergeable.add(String.valueOf((char) c)));
            mergeable.forEach(this::add);
        } else {
            byteLevelAlphabet().forEach(this::add);
            mergeable.add(BYTE_LEVEL_SPACE);
            LETTERS.chars().forEach(c -> mergeable.add(String.valueOf((char) c)));
        }
        if (vocab.size() > vocabSize) {
            throw new IllegalArgumentException("vocabulary of " + vocabSize + " is smaller than the base alphabet");
        }
        addMerges(mergeable, kind == TokenizerKind.SENTENCEPIECE_BPE ? SP_SPACE : BYTE_LEVEL_SPACE);
    }

    private void add(String token) {
        vocab.putIfAbsent(token, vocab.size());
    }

    /** Pairs of mergeable pieces in diagonal order, so short, common-looking pieces merge first. */
    private void addMerges(List<String> pieces, String space) {
        Set<String> seen = new HashSet<>(vocab.keySet());
        for (int diagonal = 0; vocab.size() < vocabSize; diagonal++) {
            int limit = pieces.size();
            for (int i = 0; i <= diagonal && vocab.size() < vocabSize; i++) {
                int j = diagonal - i;
                if (i >= limit || j >= limit || pieces.get(j).startsWith(space)) {
                    continue;
                }
                String merged = pieces.get(i) + pieces.get(j);
                if (seen.add(merged)) {
                    merges.add(pieces.get(i) + " " + pieces.get(j));
                    add(merged);
                    pieces.add(merged);
                }
            }
        }
    }

    /** GPT-2's byte → printable character table. */
    private static List<String> byteLevelAlphabet() {
        List<String> out = new ArrayList<>();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out.add(String.valueOf((char) (printable ? b : 256 + extra++)));
        }
        return out;
    }

    ObjectNode tokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : specials) {
            added.addObject().put("id", vocab.get(s)).put("content", s).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode model;
        if (kind == TokenizerKind.SENTENCEPIECE_BPE) {
            ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
            ArrayNode norms = normalizer.putArray("normalizers");
            norms.addObject().put("type", "Prepend").put("prepend", SP_SPACE);
            norms.addObject().put("type", "Replace").put("content", SP_SPACE).putObject("pattern").put("String", " ");
            root.putNull("pre_tokenizer");
            ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
            post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
            ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            post.putArray("pair");
            post.putObject("special_tokens").putObject("<s>").put("id", "<s>")
                    .<ObjectNode>set("ids", JSON.createArrayNode().add(1))
                    .set("tokens", JSON.createArrayNode().add("<s>"));
            ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
            ArrayNode decoders = decoder.putArray("decoders");
            decoders.addObject().put("type", "Replace").put("content", " ").putObject("pattern").put("String", SP_SPACE);
            decoders.addObject().put("type", "ByteFallback");
            decoders.addObject().put("type", "Fuse");
            decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
            model = root.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                    .putNull("continuing_subword_prefix").putNull("end_of_word_suffix")
                    .put("fuse_unk", true).put("byte_fallback", true);
        } else {
            root.putNull("normalizer");
            root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", true).put("use_regex", true);
            root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true)
                    .put("trim_offsets", false).put("use_regex", true);
            root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                    .put("trim_offsets", true).put("use_regex", true);
            model = root.putObject("model").put("type", "BPE").putNull("dropout").putNull("unk_token")
                    .put("continuing_subword_prefix", "").put("end_of_word_suffix", "")
                    .put("fuse_unk", false).put("byte_fallback", false);
        }
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        return root;
    }

    ObjectNode tokenizerConfigJson(int maxLength) {
        ObjectNode c = JSON.createObjectNode();
        if (kind == TokenizerKind.SENTENCEPIECE_BPE) {
            c.put("tokenizer_class", "LlamaTokenizer").put("bos_token", "<s>").put("eos_token", "</s>")
                    .put("unk_token", "<unk>").put("add_bos_token", true).put("add_eos_token", false)
                    .put("chat_template", "{% for message in messages %}{% if message['role'] == 'user' %}"
                            + "{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% else %}"
                            + "{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}");
        } else {
            c.put("tokenizer_class", "GPT2Tokenizer").put("bos_token", "<|im_start|>").put("eos_token", "<|im_end|>")
                    .put("unk_token", "<|endoftext|>").put("add_prefix_space", false)
                    .put("chat_template", "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
                            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
        }
        c.put("model_max_length", maxLength);
        return c;
    }

    int size() {
        return vocab.size();
    }
}
