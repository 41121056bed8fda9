package dev.spruce.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small {@code tokenizer.json} composed piece by piece, so a test can derive the ids Hugging
 * Face {@code tokenizers} produces by hand: ids are given in the order pieces are added, and a
 * merge adds its result as the next piece.
 */
final class TokenizerJsonFixture {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SP = "\u2581";

    private final Map<String, Integer> vocab = new LinkedHashMap<>();
    private final List<String[]> merges = new ArrayList<>();
    private final List<ObjectNode> added = new ArrayList<>();
    private JsonNode normalizer, preTokenizer, decoder, postProcessor;
    private boolean byteFallback, ignoreMerges, mergesAsPairs;
    private String unk;

    /** Adds pieces (if new) in order. */
    TokenizerJsonFixture pieces(String... pieces) {
        for (String p : pieces) {
            vocab.putIfAbsent(p, vocab.size());
        }
        return this;
    }

    /** {@code <unk>}, {@code <s>}, {@code </s>} as ids 0–2 and special added tokens, then {@code <0x00>}…{@code <0xFF>}. */
    TokenizerJsonFixture llamaSpecialsAndBytes() {
        for (String s : List.of("<unk>", "<s>", "</s>")) {
            pieces(s);
            special(s);
        }
        for (int b = 0; b < 256; b++) {
            pieces(String.format("<0x%02X>", b));
        }
        unk = "<unk>";
        byteFallback = true;
        return this;
    }

    /**
     * GPT-2's 256 byte characters as ids 0–255, so a byte's id is its value. Written out from
     * GPT-2's bytes_to_unicode() here rather than taken from the code under test.
     */
    TokenizerJsonFixture byteLevelAlphabet() {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            pieces(String.valueOf((char) (printable ? b : 256 + shifted++)));
        }
        return this;
    }

    /** The next merge rank: {@code a b}, making {@code a + b} a piece. */
    TokenizerJsonFixture merge(String a, String b) {
        pieces(a, b, a + b);
        merges.add(new String[] {a, b});
        return this;
    }

    /** A special added token, matched in the raw input (it becomes a piece if new). */
    TokenizerJsonFixture special(String content) {
        pieces(content);
        added.add(JSON.createObjectNode().put("id", vocab.get(content)).put("content", content).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true));
        return this;
    }

    TokenizerJsonFixture normalizer(String json) {
        normalizer = parse(json);
        return this;
    }

    TokenizerJsonFixture preTokenizer(String json) {
        return preTokenizer(parse(json));
    }

    TokenizerJsonFixture preTokenizer(JsonNode json) {
        preTokenizer = json;
        return this;
    }

    TokenizerJsonFixture decoder(String json) {
        decoder = parse(json);
        return this;
    }

    TokenizerJsonFixture postProcessor(String json) {
        postProcessor = parse(json);
        return this;
    }

    TokenizerJsonFixture ignoreMerges() {
        ignoreMerges = true;
        return this;
    }

    /** Writes merges as {@code ["a", "b"]} pairs (tokenizers ≥ 0.20) instead of {@code "a b"} strings. */
    TokenizerJsonFixture mergesAsPairs() {
        mergesAsPairs = true;
        return this;
    }

    int id(String piece) {
        Integer id = vocab.get(piece);
        if (id == null) {
            throw new IllegalArgumentException("no piece '" + piece + "' in the fixture");
        }
        return id;
    }

    int[] ids(String... pieces) {
        int[] ids = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            ids[i] = id(pieces[i]);
        }
        return ids;
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens").addAll(added);
        root.set("normalizer", normalizer);
        root.set("pre_tokenizer", preTokenizer);
        root.set("post_processor", postProcessor);
        root.set("decoder", decoder);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout")
                .put("fuse_unk", unk != null).put("byte_fallback", byteFallback).put("ignore_merges", ignoreMerges);
        if (unk != null) {
            model.put("unk_token", unk);
        } else {
            model.putNull("unk_token");
        }
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) {
            if (mergesAsPairs) {
                m.addArray().add(pair[0]).add(pair[1]);
            } else {
                m.add(pair[0] + " " + pair[1]);
            }
        }
        return root;
    }

    /** Writes {@code tokenizer.json} into {@code dir} and returns its path. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json());
        return file;
    }

    HfTokenizer load(Path dir) throws IOException {
        return HfTokenizer.read(write(dir));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
