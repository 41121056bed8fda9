package dev.spruce.model.tokenizer;

import dev.spruce.checkpoint.SharedData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The TS protocol's stories (DESIGN.md, "Evaluation protocols"), read from the shared corpus. */
final class TinyStories {

    static final int FIRST_EVALUATION_STORY = 700;

    private TinyStories() {
    }

    /** Stories split on lines equal to {@code <|endoftext|>}, each stripped, empty ones dropped. */
    static List<String> stories() throws IOException {
        var file = SharedData.root().resolve("corpora/tinystories/TinyStories-valid.first1000.txt");
        List<String> stories = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.equals("<|endoftext|>")) {
                addStripped(stories, current);
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        addStripped(stories, current);
        return stories;
    }

    private static void addStripped(List<String> stories, StringBuilder story) {
        String s = story.toString().strip();
        if (!s.isEmpty()) {
            stories.add(s);
        }
    }
}
