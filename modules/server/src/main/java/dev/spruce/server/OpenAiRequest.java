package dev.spruce.server;

import dev.spruce.model.generation.GenerationRequest;

/**
 * A validated completion or chat-completion request.
 *
 * @param generation   the prompt's tokens and how to continue it
 * @param stream       answer with server-sent events as tokens come
 * @param includeUsage with {@code stream}, end with a chunk of token counts ({@code stream_options.include_usage})
 */
record OpenAiRequest(GenerationRequest generation, boolean stream, boolean includeUsage) {
}
