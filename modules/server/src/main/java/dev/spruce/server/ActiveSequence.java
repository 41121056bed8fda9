package dev.spruce.server;

import dev.spruce.model.Session;
import dev.spruce.model.generation.Generation;

/** A job admitted to the batch: its session (KV cache), its generation state and the token to run next. */
final class ActiveSequence {

    final GenerationJob job;
    final Session session;
    final Generation generation;
    int nextToken;
    long lastTokenNanos;

    ActiveSequence(GenerationJob job, Session session, Generation generation) {
        this.job = job;
        this.session = session;
        this.generation = generation;
    }
}
