package dev.spruce.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.model.sampling.SamplingSettings;

/**
 * Real clients against a server on stories260K with an API key: the official {@code openai} npm
 * package (streaming and not, completions and chat) must produce exactly the text of
 * {@code spruce generate} with the same seed and settings, and the chat page in headless Chromium
 * must show a reply streaming in (with a screenshot in {@code target/chat-page.png}).
 */
class NodeClientTest {

    private static final String KEY = "node-test-key";
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws IOException {
        fixture = ServerFixture.start(KEY, 4, 8);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void theOpenAiClientGetsTheTextOfGenerate() throws Exception {
        String prompt = "Once upon a time";
        String expected = fixture.reference(prompt, 48, new SamplingSettings(0.8, 0, 0.95, 1, 1234));
        String out = NodeScripts.node("openai-client.mjs", Map.of(
                "SPRUCE_URL", fixture.url, "SPRUCE_MODEL", ServerFixture.MODEL, "SPRUCE_API_KEY", KEY,
                "PROMPT", prompt, "SETTINGS", "{\"max_tokens\": 48, \"temperature\": 0.8, \"top_p\": 0.95, \"seed\": 1234}"),
                120);
        JsonNode r = ServerFixture.json(out);
        assertEquals(ServerFixture.MODEL, r.get("models").get(0).asText());
        assertEquals(expected, r.get("completion").asText(), "completion");
        assertEquals(expected, r.get("completionStream").asText(), "streamed completion");
        assertEquals(expected, r.get("chat").asText(), "chat (no template: the message is the prompt)");
        assertEquals(expected, r.get("chatStream").asText(), "streamed chat");
        assertEquals("assistant", r.get("chatRole").asText());
        assertTrue(r.get("completionStreamChunks").asInt() > 10, out);
        assertEquals(48, r.get("completionUsage").get("completion_tokens").asInt());
        assertEquals(r.get("chatUsage"), r.get("chatStreamUsage"));
        assertEquals(404, r.get("unknownModel").get("status").asInt());
        assertEquals("model_not_found", r.get("unknownModel").get("code").asText());
        assertEquals(401, r.get("wrongKey").get("status").asInt());
    }

    @Test
    void theChatPageStreamsAReplyInChromium(@TempDir Path profile) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            fail("/usr/bin/chromium is missing: the chat page test needs Debian's chromium (apt-get install -y"
                    + " chromium; .ci/run installs it)");
        }
        String message = "Once upon a time";
        String expected = fixture.reference(message, 200, SamplingSettings.GREEDY);
        Path screenshot = Path.of("target/chat-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        String out = NodeScripts.node("chat-page.mjs", Map.of(
                "SPRUCE_URL", fixture.url, "SPRUCE_API_KEY", KEY, "MESSAGE", message, "MAX_TOKENS", "200",
                "SCREENSHOT", screenshot.toString(), "PROFILE", profile.toString()), 120);
        JsonNode r = ServerFixture.json(out);
        assertEquals(message, r.get("user").asText());
        assertEquals(expected, r.get("reply").asText(), out);
        assertTrue(r.get("partial").isTextual() && r.get("partial").asText().length() < expected.length(),
                "part of the reply was on screen before the stream ended: " + out);
        assertTrue(r.get("status").asText().matches("\\d+ pieces in .*"), out);
        assertTrue(r.get("consoleErrors").isEmpty(), out);
        assertTrue(Files.size(screenshot) > 5_000, "a screenshot was taken");
    }
}
