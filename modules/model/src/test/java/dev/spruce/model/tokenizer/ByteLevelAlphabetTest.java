package dev.spruce.model.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ByteLevelAlphabetTest {

    @Test
    void gpt2sWellKnownCharacters() {
        assertEquals("\u0120", ByteLevelAlphabet.encode(" "), "space is Ġ");
        assertEquals("\u010A", ByteLevelAlphabet.encode("\n"), "newline is Ċ");
        assertEquals("\u00C3\u00A9", ByteLevelAlphabet.encode("\u00e9"), "é is C3 A9, both printable Latin-1");
        // The 68th shifted byte: 0x00–0x20 (33), 0x7F–0xA0 (34), then the soft hyphen 0xAD -> U+0143.
        assertEquals("\u0143", ByteLevelAlphabet.encode("\u00AD").substring(1));
    }

    @Test
    void decodeInvertsEncodeAndRefusesForeignCharacters() {
        String text = "A\u00e9 \uD83D\uDC4B\t\u0000";
        assertEquals(text, new String(ByteLevelAlphabet.decode(ByteLevelAlphabet.encode(text)), java.nio.charset.StandardCharsets.UTF_8));
        assertNull(ByteLevelAlphabet.decode("<|\u2581|>"));
    }
}
