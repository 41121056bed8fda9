package dev.spruce.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.model.generation.GenerationResult;

/**
 * The JSON of one OpenAI endpoint's answers: the whole response, and the chunks of a streamed one.
 * {@code id}, {@code created} and {@code model} are the same in every chunk of a response.
 */
interface ResponseShape {

    /** {@code cmpl} or {@code chatcmpl}: the start of response ids. */
    String idPrefix();

    /** The chunk that opens a stream before any text (chat announces the role), or null. */
    ObjectNode opening(Envelope e);

    /** A chunk carrying {@code text}, or none ({@code null}) with a finish reason. */
    ObjectNode chunk(Envelope e, String text, String finishReason);

    /** The chunk of token counts that ends a stream asked for with {@code stream_options.include_usage}. */
    ObjectNode usage(Envelope e, GenerationResult result);

    /** The non-streamed response. */
    ObjectNode whole(Envelope e, GenerationResult result);

    /**
     * What every response carries.
     *
     * @param created seconds since the epoch
     */
    record Envelope(String id, long created, String model) {
    }
}
