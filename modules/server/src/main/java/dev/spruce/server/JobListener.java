package dev.spruce.server;

import dev.spruce.model.generation.GenerationResult;

/** Receives what a queued generation produces; called on the scheduler's thread, so it must not block. */
interface JobListener {

    /** The next piece of text. */
    void text(String piece);

    /** The generation ended (also when cancelled); no more calls follow. */
    void finished(GenerationResult result);

    /** The generation could not run; no more calls follow. */
    void failed(String message);
}
