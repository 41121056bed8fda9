package dev.spruce.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.model.Engine;
import dev.spruce.model.Session;
import dev.spruce.model.sampling.SamplingSettings;

/** The decode loop on the real stories260K model. */
class GeneratorTest {

    private static Engine engine;

    @BeforeAll
    static void open() throws IOException {
        engine = Engine.open(SharedData.stories260kHf(), new Engine.Options(2, dev.spruce.model.KvCacheType.F32, 0, 16));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static GenerationResult run(GenerationRequest request, StringBuilder streamed) {
        try (Session s = engine.newSession()) {
            return new Generator(engine.tokenizer()).generate(s, request, t -> {
                streamed.append(t);
                return true;
            });
        }
    }

    @Test
    void greedyTellsTheKnownStoryAndStreamsAllOfIt() {
        StringBuilder streamed = new StringBuilder();
        int[] prompt = engine.tokenizer().encodePrompt("Once upon a time");
        GenerationResult r = run(new GenerationRequest(prompt, 60, SamplingSettings.GREEDY, List.of()), streamed);
        assertTrue(r.text().startsWith(", there was a little girl named Lily. She loved to play outside"), r.text());
        assertEquals(r.text(), streamed.toString());
        assertEquals(60, r.generatedTokens());
        assertEquals(StopReason.MAX_TOKENS, r.reason());
        assertEquals(prompt.length, r.promptTokens());
    }

    @Test
    void stopsBeforeAStopString() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = run(new GenerationRequest(engine.tokenizer().encodePrompt("Once upon a time"), 100,
                SamplingSettings.GREEDY, List.of("Lily")), streamed);
        assertEquals(StopReason.STOP_STRING, r.reason());
        assertEquals(", there was a little girl named ", r.text());
        assertEquals(r.text(), streamed.toString());
    }

    @Test
    void sameSeedSameTextAndCancellationStops() {
        SamplingSettings s = new SamplingSettings(0.8, 40, 0.95, 1.1, 99);
        int[] prompt = engine.tokenizer().encodePrompt("The dog");
        String a = run(new GenerationRequest(prompt, 40, s, List.of()), new StringBuilder()).text();
        String b = run(new GenerationRequest(prompt, 40, s, List.of()), new StringBuilder()).text();
        assertEquals(a, b);

        try (Session session = engine.newSession()) {
            int[] pieces = {0};
            GenerationResult r = new Generator(engine.tokenizer()).generate(session,
                    new GenerationRequest(prompt, 40, s, List.of()), t -> ++pieces[0] < 3);
            assertEquals(StopReason.CANCELLED, r.reason());
            assertEquals(3, pieces[0]);
        }
    }
}
