package dev.spruce.compress;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.spruce.checkpoint.Checkpoint;

/**
 * The files of a checkpoint directory that a rewritten checkpoint carries over unchanged: config,
 * tokenizer files (tokenizer.json, a llama2.c tokenizer .bin), generation config, README; never the
 * weights, hidden files, or the files the writer produces itself.
 */
public final class CompanionFiles {

    private CompanionFiles() {
    }

    /**
     * @param replaced lower-case names the writer writes anew (its sidecar, config.json when it
     *                 edits it); names starting with a prefix in {@code replacedPrefixes} too
     */
    public static List<Path> of(Path dir, Set<String> replaced, Set<String> replacedPrefixes) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                boolean weights = lower.endsWith(".safetensors") || lower.equals(Checkpoint.INDEX_FILE)
                        || lower.startsWith("pytorch_model") || lower.endsWith(".pt") || lower.endsWith(".pth")
                        || lower.endsWith(".ckpt") || lower.endsWith(".gguf") || lower.endsWith(".safetensors.index.json");
                boolean ours = replaced.contains(lower) || replacedPrefixes.stream().anyMatch(lower::startsWith);
                if (Files.isRegularFile(p) && !name.startsWith(".") && !weights && !ours) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }
}
