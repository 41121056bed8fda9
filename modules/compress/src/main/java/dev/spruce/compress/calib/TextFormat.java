package dev.spruce.compress.calib;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spruce.eval.CorpusFiles;

/** How a calibration file holds its documents. */
public enum TextFormat {
    /** JSON lines, gzip-compressed, one document per line in a {@code text} field (C4's shards). */
    JSONL_GZ("jsonl-gz"),
    /** JSON lines with a {@code text} field. */
    JSONL("jsonl"),
    /** Stories separated by lines equal to {@code <|endoftext|>} (TinyStories). */
    TINYSTORIES("tinystories"),
    /** The whole file is one document (WikiText raw, plain text). */
    TEXT("text");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;

    TextFormat(String id) {
        this.id = id;
    }

    /** The name used in the registry and on the command line. */
    public String id() {
        return id;
    }

    public static TextFormat fromId(String id) {
        for (TextFormat f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown text format '" + id + "'; known: jsonl-gz, jsonl, tinystories, text");
    }

    /**
     * The format of {@code file}: by name for {@code .json.gz}/{@code .jsonl.gz} and
     * {@code .json}/{@code .jsonl}; otherwise TinyStories when a line of its first megabyte is
     * {@code <|endoftext|>}, else plain text (also when it cannot be read: reading it later says why).
     */
    public static TextFormat guess(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl.gz") || name.endsWith(".json.gz")) {
            return JSONL_GZ;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return JSONL;
        }
        return hasStorySeparator(file) ? TINYSTORIES : TEXT;
    }

    private static boolean hasStorySeparator(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            String head = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            for (String line : head.split("\n")) {
                if (line.strip().equals(CorpusFiles.END_OF_TEXT)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** The non-empty documents of {@code file}, in order. */
    public List<String> documents(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, "no such file");
        }
        return switch (this) {
            case JSONL_GZ -> {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    yield jsonLines(file, in);
                } catch (java.util.zip.ZipException e) {
                    throw new DatasetException(file, "not a gzip file (" + e.getMessage() + ")");
                }
            }
            case JSONL -> {
                try (InputStream in = Files.newInputStream(file)) {
                    yield jsonLines(file, in);
                }
            }
            case TINYSTORIES -> CorpusFiles.stories(file);
            case TEXT -> {
                String text = CorpusFiles.read(file);
                yield text.isBlank() ? List.of() : List.of(text);
            }
        };
    }

    private static List<String> jsonLines(Path file, InputStream in) throws IOException {
        List<String> docs = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DatasetException(file, "line " + lineNo + " is not valid JSON: " + e.getOriginalMessage());
            }
            JsonNode text = node == null ? null : node.get("text");
            if (text == null || !text.isTextual()) {
                throw new DatasetException(file, "line " + lineNo + " has no \"text\" string field");
            }
            if (!text.asText().isEmpty()) {
                docs.add(text.asText());
            }
        }
        return docs;
    }
}
