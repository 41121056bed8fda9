package dev.spruce.server;

import dev.spruce.model.attention.AttentionSettings;

/**
 * How the server runs.
 *
 * @param host      address to bind (127.0.0.1 keeps it local)
 * @param port      TCP port, 0 for any free one
 * @param modelId   the name clients use in {@code "model"} and {@code GET /v1/models} lists
 * @param apiKey    the bearer token every {@code /v1} request must carry, or null for none
 * @param maxBatch  sequences decoded together at most (each holds a KV cache)
 * @param maxQueue  requests waiting for a place in the batch at most; more are refused with 429
 * @param attention how every request's session attends and keeps its keys and values (sparse
 *                  attention, eviction, a mixed-precision cache), as {@code generate} takes them
 */
public record ServerOptions(String host, int port, String modelId, String apiKey, int maxBatch, int maxQueue,
                            AttentionSettings attention) {

    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("the port must be in 0..65535, got " + port);
        }
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("the model name must not be empty");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
        if (maxBatch < 1 || maxQueue < 1) {
            throw new IllegalArgumentException("the batch and the queue must hold at least 1 each, got "
                    + maxBatch + " and " + maxQueue);
        }
        if (attention == null) {
            throw new IllegalArgumentException("attention settings are required (AttentionSettings.DENSE for dense)");
        }
    }
}
