package dev.spruce.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.attention.ChannelCalibration;
import dev.spruce.model.attention.DoubleSparsitySettings;
import dev.spruce.model.attention.H2oSettings;
import dev.spruce.model.attention.HighPrecision;
import dev.spruce.model.attention.MikvSettings;
import dev.spruce.model.sampling.SamplingSettings;

/**
 * A server whose sessions use sparse attention or a compressed cache gives {@code spruce generate}'s
 * text with the same settings, for requests decoded together; settings that do not fit the model
 * stop it from starting.
 */
class ServerAttentionTest {

    /** Long enough that every policy drops or compresses positions: k = 32 of 512, budgets of 103. */
    private static final int MAX_TOKENS = 140;
    private static final List<String> PROMPTS = List.of("Once upon a time", "The little dog",
            "Tom and Lily went to the park. They");

    static Stream<AttentionSettings> policies() {
        return Stream.of(
                AttentionSettings.doubleSparse(new DoubleSparsitySettings(1.0 / 16, 0, 1.0 / 4, 0, 4, 2, null)),
                AttentionSettings.h2o(H2oSettings.of(0.2)),
                AttentionSettings.mikv(MikvSettings.of(0.2, HighPrecision.BF16, 2)));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void concurrentCompletionsEqualGenerateWithTheSameSettings(AttentionSettings attention) throws Exception {
        try (ServerFixture fixture = ServerFixture.start(null, 4, 8, 64, attention.withNotices(m -> { }))) {
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (String prompt : PROMPTS) {
                replies.add(fixture.http.sendAsync(fixture.request("/v1/completions")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body(prompt))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < PROMPTS.size(); i++) {
                HttpResponse<String> r = replies.get(i).join();
                assertEquals(200, r.statusCode(), r.body());
                String expected = fixture.reference(PROMPTS.get(i), MAX_TOKENS, SamplingSettings.GREEDY);
                assertEquals(expected, ServerFixture.json(r.body()).get("choices").get(0).get("text").asText(),
                        attention.describe() + ", prompt '" + PROMPTS.get(i) + "'");
            }
            JsonNode health = ServerFixture.json(fixture.get("/health").body());
            assertEquals(attention.describe(), health.get("attention").asText());
        }
    }

    /** The policies do change the text (the settings reach the sessions): not every one equals dense. */
    @Test
    void policiesChangeSomeText() throws Exception {
        String dense;
        try (ServerFixture fixture = ServerFixture.start(null, 1, 1)) {
            dense = fixture.reference(PROMPTS.getFirst(), MAX_TOKENS, SamplingSettings.GREEDY);
        }
        List<String> texts = new ArrayList<>();
        for (AttentionSettings a : policies().toList()) {
            try (ServerFixture fixture = ServerFixture.start(null, 1, 1, 64, a.withNotices(m -> { }))) {
                HttpResponse<String> r = fixture.post("/v1/completions", body(PROMPTS.getFirst()));
                texts.add(ServerFixture.json(r.body()).get("choices").get(0).get("text").asText());
            }
        }
        assertTrue(texts.stream().anyMatch(t -> !t.equals(dense)), "every policy gave dense's text: " + dense);
    }

    @Test
    void settingsThatDoNotFitTheModelStopTheStart() throws IOException {
        try (Engine engine = Engine.open(SharedData.stories260kHf(), new Engine.Options(2, KvCacheType.F32, 0, 64))) {
            int layers = engine.model().config().numLayers();
            int heads = engine.model().config().numHeads();
            int[][][] order = new int[layers + 1][heads][engine.model().config().headDim()];
            for (int[][] layer : order) {
                for (int[] head : layer) {
                    java.util.Arrays.setAll(head, c -> c);
                }
            }
            AttentionSettings other = AttentionSettings.doubleSparse(new DoubleSparsitySettings(1.0 / 16, 0, 1.0 / 4,
                    0, 4, 2, new ChannelCalibration(ChannelCalibration.Mode.QK, layers + 1, heads,
                    engine.model().config().numKvHeads(), engine.model().config().headDim(), order, null)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpruceServer.start(engine,
                    new ServerOptions("127.0.0.1", 0, ServerFixture.MODEL, null, 2, 2, other)));
            assertTrue(e.getMessage().contains("layers"), e.getMessage());
            IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class, () -> {
                try (Engine halves = Engine.open(SharedData.stories260kHf(), new Engine.Options(2, KvCacheType.BF16, 0,
                        64))) {
                    SpruceServer.start(halves, new ServerOptions("127.0.0.1", 0, ServerFixture.MODEL, null, 2, 2,
                            AttentionSettings.h2o(H2oSettings.of(0.5))));
                }
            });
            assertTrue(bf16.getMessage().contains("dense storage"), bf16.getMessage());
        }
    }

    private static String body(String prompt) {
        return """
                {"model": "stories260K-hf", "prompt": "%s", "max_tokens": %d, "temperature": 0}"""
                .formatted(prompt, MAX_TOKENS);
    }
}
