package dev.spruce.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/** Refuses a {@code /v1} request without {@code Authorization: Bearer KEY} (401, OpenAI's shape). */
final class ApiKeyCheck implements Handler {

    private final byte[] expected;

    ApiKeyCheck(String apiKey) {
        this.expected = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(Context ctx) {
        String given = ctx.header("Authorization");
        // Constant-time comparison: the time taken does not tell how much of the key was right.
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    "missing or incorrect API key: send 'Authorization: Bearer KEY' with the server's --api-key");
        }
    }
}
