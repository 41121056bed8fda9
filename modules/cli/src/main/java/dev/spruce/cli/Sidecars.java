package dev.spruce.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spruce.compress.pipeline.PrunedCheckpointWriter;

/** Reads the {@code spruce.json} a Spruce command left beside a checkpoint. */
final class Sidecars {

    private Sidecars() {
    }

    /** The sidecar of {@code modelDir}, or null when there is none or it cannot be read (only the history is lost). */
    static JsonNode read(Path modelDir) {
        Path p = modelDir.resolve(PrunedCheckpointWriter.SIDECAR);
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            return null;
        }
    }
}
