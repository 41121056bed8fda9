package dev.spruce.server;

import dev.spruce.model.Session;
import dev.spruce.model.generation.Generation;

/**
 * A job admitted to the batch: its session (KV cache), its generation state, how much of its prompt
 * has been run, and, once the prompt is in, the token to run next.
 */
final class ActiveSequence {

    final GenerationJob job;
    final Session session;
    final Generation generation;
    final int[] prompt;
    /** Prompt tokens run so far; the sequence decodes once all are. */
    int prefilled;
    /** Prompt tokens riding in the pass being built. */
    int chunk;
    int nextToken;
    long lastTokenNanos;

    ActiveSequence(GenerationJob job, Session session, Generation generation) {
        this.job = job;
        this.session = session;
        this.generation = generation;
        this.prompt = job.request().prompt();
    }

    /** Whether the prompt is in and the sequence generates a token per pass. */
    boolean decoding() {
        return prefilled == prompt.length;
    }
}
