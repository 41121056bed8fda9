package dev.spruce.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns a {@code tokenizer.json} into an {@link HfTokenizer}, refusing with a message that names
 * the file and the part whatever it does not understand: a tokenizer that silently does something
 * else produces plausible but wrong ids.
 */
final class HfTokenizerReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    HfTokenizerReader(Path file) {
        this.file = file;
    }

    HfTokenizer read() throws TokenizerException {
        JsonNode root = parse();
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw fail("has no \"model\" object");
        }
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw fail("model type '" + type + "' is not supported: Spruce reads BPE tokenizers only");
        }
        requireUnset(model, "continuing_subword_prefix");
        requireUnset(model, "end_of_word_suffix");
        if (model.path("dropout").isNumber() && model.path("dropout").asDouble() != 0) {
            throw fail("BPE dropout " + model.path("dropout").asDouble() + " is not supported (it makes encoding random)");
        }
        Map<String, Integer> vocab = vocab(model.path("vocab"));
        List<AddedToken> added = addedTokens(root.path("added_tokens"));
        String[] pieces = pieces(vocab, added);
        Map<String, Integer> ids = new HashMap<>(vocab);
        added.forEach(t -> ids.putIfAbsent(t.content(), t.id()));
        int unkId = model.hasNonNull("unk_token") ? ids.getOrDefault(model.get("unk_token").asText(), -1) : -1;
        BpeModel bpe = new BpeModel(vocab, merges(model.path("merges"), vocab),
                model.path("byte_fallback").asBoolean(false), unkId, model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false));
        int bos = templateBos(root.get("post_processor"), ids);
        return new HfTokenizer(normalizer(root.get("normalizer")), preTokenizer(root.get("pre_tokenizer")), added, bpe,
                pieces, decoding(root.get("decoder")), bos >= 0, bos, List.of());
    }

    private JsonNode parse() throws TokenizerException {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw fail("is not a JSON object");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw fail("is missing");
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot be read: " + e, e);
        }
    }

    private TokenizerException fail(String problem) {
        return new TokenizerException(file, problem);
    }

    private void requireUnset(JsonNode model, String field) throws TokenizerException {
        if (model.hasNonNull(field) && !model.get(field).asText().isEmpty()) {
            throw fail("model." + field + " '" + model.get(field).asText() + "' is not supported");
        }
    }

    private Map<String, Integer> vocab(JsonNode node) throws TokenizerException {
        if (!node.isObject() || node.isEmpty()) {
            throw fail("model.vocab is missing or empty");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (var e : node.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw fail("model.vocab entry '" + e.getKey() + "' has id " + e.getValue() + ", not a non-negative int");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    private List<AddedToken> addedTokens(JsonNode node) throws TokenizerException {
        List<AddedToken> added = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0 || t.path("content").asText("").isEmpty()) {
                throw fail("added_tokens[" + i + "] needs a non-negative id and a non-empty content, got " + t);
            }
            boolean special = t.path("special").asBoolean(false);
            // Hugging Face's default: special tokens are matched in the raw input, others after normalization.
            added.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), special,
                    t.path("normalized").asBoolean(!special), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
        }
        return added;
    }

    private static String[] pieces(Map<String, Integer> vocab, List<AddedToken> added) {
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : added) {
            size = Math.max(size, t.id() + 1);
        }
        String[] pieces = new String[size];
        vocab.forEach((piece, id) -> pieces[id] = piece);
        added.forEach(t -> pieces[t.id()] = t.content());
        return pieces;
    }

    /** Merges as {@code "a b"} strings or {@code ["a", "b"]} pairs; priority is the rank. */
    private PairMerger merges(JsonNode node, Map<String, Integer> vocab) throws TokenizerException {
        PairMerger.Builder merges = new PairMerger.Builder();
        for (int rank = 0; rank < node.size(); rank++) {
            JsonNode m = node.get(rank);
            String left, right;
            if (m.isTextual() && m.asText().indexOf(' ') > 0) {
                int space = m.asText().indexOf(' ');
                left = m.asText().substring(0, space);
                right = m.asText().substring(space + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw fail("model.merges[" + rank + "] is " + m + ", not \"a b\" or [\"a\", \"b\"]");
            }
            Integer l = vocab.get(left), r = vocab.get(right), merged = vocab.get(left + right);
            if (l == null || r == null || merged == null) {
                throw fail("model.merges[" + rank + "] (" + m + ") uses or makes a token missing from model.vocab");
            }
            // Hugging Face builds a map from the list, so a repeated pair keeps its last rank, as here.
            merges.add(l, r, merged, rank);
        }
        return merges.build();
    }

    private TextNormalizer normalizer(JsonNode n) throws TokenizerException {
        if (n == null || n.isNull()) {
            return new TextNormalizer.None();
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                for (JsonNode step : n.path("normalizers")) {
                    steps.add(normalizer(step));
                }
                yield new TextNormalizer.Sequence(steps);
            }
            case "Prepend" -> new TextNormalizer.Prepend(n.path("prepend").asText());
            case "Replace" -> new TextNormalizer.Replace(pattern(n.path("pattern"), "normalizer Replace"),
                    n.path("content").asText());
            case "NFC", "NFD", "NFKC", "NFKD" -> new TextNormalizer.UnicodeForm(Normalizer.Form.valueOf(type));
            case "Lowercase" -> new TextNormalizer.Lowercase();
            default -> throw fail("normalizer '" + type + "' is not supported");
        };
    }

    private PreTokenizer preTokenizer(JsonNode n) throws TokenizerException {
        if (n == null || n.isNull()) {
            return new PreTokenizer.None();
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonNode step : n.path("pretokenizers")) {
                    steps.add(preTokenizer(step));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            case "ByteLevel" -> new PreTokenizer.ByteLevel(n.path("add_prefix_space").asBoolean(true),
                    n.path("use_regex").asBoolean(true));
            case "Split" -> {
                SplitBehavior behavior = SplitBehavior.fromJson(n.path("behavior").asText());
                if (behavior == null) {
                    throw fail("pre_tokenizer Split behavior '" + n.path("behavior").asText() + "' is not known");
                }
                yield new PreTokenizer.Split(pattern(n.path("pattern"), "pre_tokenizer Split"), behavior,
                        n.path("invert").asBoolean(false));
            }
            case "Digits" -> PreTokenizer.Split.digits(n.path("individual_digits").asBoolean(false));
            case "Metaspace" -> new PreTokenizer.Metaspace(n.path("replacement").asText("\u2581"), prependScheme(n),
                    n.path("split").asBoolean(true));
            default -> throw fail("pre_tokenizer '" + type + "' is not supported");
        };
    }

    /** {@code prepend_scheme}, or the older {@code add_prefix_space} it replaced. */
    private PreTokenizer.PrependScheme prependScheme(JsonNode metaspace) throws TokenizerException {
        if (metaspace.hasNonNull("prepend_scheme")) {
            String scheme = metaspace.get("prepend_scheme").asText();
            return switch (scheme) {
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw fail("Metaspace prepend_scheme '" + scheme + "' is not known");
            };
        }
        return metaspace.path("add_prefix_space").asBoolean(true) ? PreTokenizer.PrependScheme.ALWAYS
                : PreTokenizer.PrependScheme.NEVER;
    }

    /** {@code {"String": s}} (literal) or {@code {"Regex": r}} (Oniguruma syntax, which Java mostly shares). */
    private Pattern pattern(JsonNode p, String where) throws TokenizerException {
        if (p.hasNonNull("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.hasNonNull("Regex")) {
            try {
                return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw fail(where + " regex does not compile in Java: " + e.getMessage());
            }
        }
        throw fail(where + " pattern " + p + " is neither {\"String\": …} nor {\"Regex\": …}");
    }

    private HfDecoding decoding(JsonNode n) throws TokenizerException {
        if (n == null || n.isNull()) {
            return HfDecoding.RAW;
        }
        List<JsonNode> steps = new ArrayList<>();
        if (n.path("type").asText().equals("Sequence")) {
            n.path("decoders").forEach(steps::add);
        } else {
            steps.add(n);
        }
        boolean byteLevel = false, byteFallback = false;
        String replace = null, replacement = null;
        int strip = 0;
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            switch (type) {
                case "ByteLevel" -> byteLevel = true;
                case "ByteFallback" -> byteFallback = true;
                case "Fuse" -> { }
                case "Replace" -> {
                    if (!step.path("pattern").hasNonNull("String")) {
                        throw fail("decoder Replace with a regex pattern is not supported");
                    }
                    replace = step.path("pattern").get("String").asText();
                    replacement = step.path("content").asText();
                }
                case "Strip" -> {
                    if (!step.path("content").asText().equals(" ") || step.path("stop").asInt(0) != 0) {
                        throw fail("decoder Strip other than leading spaces is not supported: " + step);
                    }
                    strip = step.path("start").asInt(0);
                }
                case "Metaspace" -> {
                    replace = step.path("replacement").asText("\u2581");
                    replacement = " ";
                    strip = prependScheme(step) == PreTokenizer.PrependScheme.NEVER ? 0 : 1;
                }
                default -> throw fail("decoder '" + type + "' is not supported");
            }
        }
        return new HfDecoding(byteLevel, byteFallback, replace, replacement, strip);
    }

    /** The id of the special token a TemplateProcessing post-processor puts before a single text, or -1. */
    private static int templateBos(JsonNode pp, Map<String, Integer> ids) {
        if (pp == null || pp.isNull()) {
            return -1;
        }
        return switch (pp.path("type").asText()) {
            case "Sequence" -> {
                for (JsonNode p : pp.path("processors")) {
                    int bos = templateBos(p, ids);
                    if (bos >= 0) {
                        yield bos;
                    }
                }
                yield -1;
            }
            case "TemplateProcessing" -> {
                JsonNode first = pp.path("single").path(0);
                if (!first.has("SpecialToken")) {
                    yield -1;
                }
                String name = first.get("SpecialToken").path("id").asText();
                JsonNode declared = pp.path("special_tokens").path(name).path("ids").path(0);
                yield declared.canConvertToInt() ? declared.asInt() : ids.getOrDefault(name, -1);
            }
            default -> -1;
        };
    }
}
