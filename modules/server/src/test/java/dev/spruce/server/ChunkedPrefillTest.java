package dev.spruce.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.model.sampling.SamplingSettings;

/**
 * Prompts go through in chunks of the prefill chunk (8 tokens here, so short prompts take several
 * passes), riding along with the running sequences' decode steps: the texts are those of
 * {@code spruce generate} all the same.
 */
class ChunkedPrefillTest {

    /** About 40 tokens of stories260K's vocabulary: five chunks of 8. */
    private static final String LONG_PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the park with her big red ball.";

    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws IOException {
        fixture = ServerFixture.start(null, 8, 8, 8);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void aPromptOfSeveralChunksAloneGivesGeneratesText() throws Exception {
        int promptTokens = fixture.engine.tokenizer().encodePrompt(LONG_PROMPT).length;
        assertTrue(promptTokens > 3 * 8, promptTokens + " prompt tokens");
        SamplingSettings seeded = new SamplingSettings(0.8, 40, 0.95, 1, 3);
        String expected = fixture.reference(LONG_PROMPT, 50, seeded);
        HttpResponse<String> r = fixture.post("/v1/completions", body(LONG_PROMPT, 50, "\"temperature\": 0.8, \"top_k\": 40,"
                + " \"top_p\": 0.95, \"seed\": 3"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = ServerFixture.json(r.body());
        assertEquals(expected, body.get("choices").get(0).get("text").asText());
        assertEquals(promptTokens, body.get("usage").get("prompt_tokens").asInt());
    }

    /**
     * A long generation is decoding when three requests with prompts of several chunks arrive: their
     * chunks ride in its passes, and every text equals its reference (greedy; batched passes sum in
     * another order, which greedy decoding of this model does not notice).
     */
    @Test
    void promptChunksRideAlongWithARunningGeneration() throws Exception {
        double mixedBefore = mixedPasses();
        String runningPrompt = "Once upon a time";
        HttpResponse<InputStream> running = fixture.http.send(fixture.request("/v1/completions").POST(
                HttpRequest.BodyPublishers.ofString(body(runningPrompt, 400, "\"temperature\": 0, \"stream\": true")))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, running.statusCode());
        StringBuilder streamed = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(running.body(), StandardCharsets.UTF_8))) {
            // Its first text is out, so it is decoding: now the others arrive.
            String first = nextText(in);
            streamed.append(first);
            String[] prompts = {LONG_PROMPT, "The little dog ran to the big tree in the park and saw a bird on a branch.",
                    LONG_PROMPT + " One day"};
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (String p : prompts) {
                replies.add(fixture.http.sendAsync(fixture.request("/v1/completions").POST(HttpRequest.BodyPublishers
                        .ofString(body(p, 40, "\"temperature\": 0"))).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < prompts.length; i++) {
                HttpResponse<String> r = replies.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(fixture.reference(prompts[i], 40, SamplingSettings.GREEDY),
                        ServerFixture.json(r.body()).get("choices").get(0).get("text").asText(), prompts[i]);
            }
            for (String t; (t = nextText(in)) != null; ) {
                streamed.append(t);
            }
        }
        assertEquals(fixture.reference(runningPrompt, 400, SamplingSettings.GREEDY), streamed.toString());
        assertTrue(mixedPasses() > mixedBefore, "no pass carried prompt chunks beside decode rows");
    }

    private static String body(String prompt, int maxTokens, String settings) {
        return "{\"model\": \"" + ServerFixture.MODEL + "\", \"prompt\": \"" + prompt + "\", \"max_tokens\": " + maxTokens
                + ", " + settings + "}";
    }

    /** The text of the next streamed chunk that has some, or null at the end of the stream. */
    private static String nextText(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                continue;
            }
            JsonNode choices = ServerFixture.json(line.substring(6)).get("choices");
            String text = choices == null || choices.isEmpty() ? "" : choices.get(0).path("text").asText("");
            if (!text.isEmpty()) {
                return text;
            }
        }
        return null;
    }

    private static double mixedPasses() throws Exception {
        String prefix = "spruce_forward_passes_total{rows=\"mixed\"} ";
        return fixture.get("/metrics").body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum();
    }
}
