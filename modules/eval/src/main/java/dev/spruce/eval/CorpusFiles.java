package dev.spruce.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading the evaluation corpora of DESIGN.md's protocols. */
public final class CorpusFiles {

    /** The line that separates TinyStories stories. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private CorpusFiles() {
    }

    /** The whole file as UTF-8 (malformed bytes become U+FFFD rather than an error). */
    public static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "evaluation corpus not found");
        }
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /**
     * TinyStories as the TS protocol reads it: split on lines equal to {@code <|endoftext|>},
     * each story stripped, empty ones dropped.
     */
    public static List<String> stories(Path file) throws IOException {
        List<String> stories = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(file).split("\n", -1)) {
            if (line.strip().equals(END_OF_TEXT)) {
                add(stories, current);
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        add(stories, current);
        return stories;
    }

    private static void add(List<String> stories, StringBuilder text) {
        String s = text.toString().strip();
        if (!s.isEmpty()) {
            stories.add(s);
        }
    }
}
