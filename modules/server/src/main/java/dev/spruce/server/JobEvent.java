package dev.spruce.server;

import dev.spruce.model.generation.GenerationResult;

/** What a {@link JobEvents} queue hands to the request's thread. */
sealed interface JobEvent {

    record Text(String piece) implements JobEvent {
    }

    record Finished(GenerationResult result) implements JobEvent {
    }

    record Failed(String message) implements JobEvent {
    }
}
