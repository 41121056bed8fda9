package dev.spruce.compress.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.model.tokenizer.Llama2cTokenizer;
import dev.spruce.model.tokenizer.Tokenizer;

class CalibrationDataTest {


    private static Path fixture(String name) {
        // The repository root is wherever the build runs from: find calibration-data beside modules/.
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("calibration-data"))) {
            dir = dir.getParent();
        }
        return dir.resolve("calibration-data/fixtures").resolve(name);
    }

    @Test
    void everyRegisteredDatasetIsInSharedAndUnaltered() throws IOException {
        DatasetRegistry registry = DatasetRegistry.bundled();
        assertEquals(List.of("c4", "wikitext2", "tinystories"), registry.names());
        for (CalibrationDataset d : registry.datasets()) {
            Path p = d.locate(SharedData.root().resolve("corpora"));
            assertTrue(d.format().documents(p).size() >= 1, d.name());
        }
        assertEquals(1000, registry.find("c4").orElseThrow().format()
                .documents(SharedData.root().resolve("corpora/c4/olmo-c4-sample.00000-of-00001.json.gz")).size());
    }

    @Test
    void aMissingOrAlteredDatasetNamesTheExpectedChecksum(@TempDir Path corpora) throws IOException {
        CalibrationDataset ts = DatasetRegistry.bundled().find("tinystories").orElseThrow();
        DatasetException missing = assertThrows(DatasetException.class, () -> ts.locate(corpora));
        assertTrue(missing.getMessage().contains("missing") && missing.getMessage().contains(ts.sha256()),
                missing.getMessage());
        Path p = corpora.resolve(ts.file());
        Files.createDirectories(p.getParent());
        Files.writeString(p, "Once upon a time.\n<|endoftext|>\n");
        DatasetException altered = assertThrows(DatasetException.class, () -> ts.locate(corpora));
        assertTrue(altered.getMessage().contains("altered") && altered.getMessage().contains("expected " + ts.sha256()),
                altered.getMessage());
    }

    @Test
    void formatsReadTheirDocuments(@TempDir Path dir) throws IOException {
        assertEquals(List.of("First document.\nWith two lines.", "Second été document."),
                TextFormat.JSONL.documents(fixture("sample.jsonl")));
        assertEquals(List.of("One story.", "Two\nlines."), TextFormat.TINYSTORIES.documents(fixture("stories.txt")));
        assertEquals(TextFormat.JSONL_GZ, TextFormat.guess(Path.of("c4-train.00000-of-01024.json.gz")));
        assertEquals(TextFormat.TEXT, TextFormat.guess(Path.of("wiki.train.raw")));
        assertEquals(TextFormat.TINYSTORIES, TextFormat.guess(fixture("stories.txt")), "by its <|endoftext|> lines");
        Path plain = dir.resolve("notes.txt");
        Files.writeString(plain, "A text that mentions <|endoftext|> inside a line only.\n");
        assertEquals(TextFormat.TEXT, TextFormat.guess(plain));

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"txt\": 1}\n");
        DatasetException e = assertThrows(DatasetException.class, () -> TextFormat.JSONL.documents(bad));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("\"text\""), e.getMessage());
        Files.writeString(bad, "{\"text\": \n");
        e = assertThrows(DatasetException.class, () -> TextFormat.JSONL.documents(bad));
        assertTrue(e.getMessage().contains("line 1 is not valid JSON"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> TextFormat.JSONL_GZ.documents(bad));
        assertTrue(e.getMessage().contains("not a gzip file"), e.getMessage());
    }

    @Test
    void evenlySpacedWindowsStartWhereDesignSays() {
        int[] stream = new int[100];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = i;
        }
        int[][] w = CalibrationWindows.evenlySpaced(stream, 4, 10);
        // starts floor(i·(100−10)/3) = 0, 30, 60, 90
        assertArrayEquals(new int[] {0, 30, 60, 90}, new int[] {w[0][0], w[1][0], w[2][0], w[3][0]});
        assertEquals(99, w[3][9]);
        int[][] r1 = CalibrationWindows.random(stream, 5, 10, 7);
        int[][] r2 = CalibrationWindows.random(stream, 5, 10, 7);
        assertArrayEquals(r1, r2, "seeded");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationWindows.evenlySpaced(stream, 11, 10));
        assertTrue(e.getMessage().contains("more than the calibration text's 100 tokens"), e.getMessage());
    }

    @Test
    void tsCalibrationPoolGivesTheDefaultWindows() throws IOException {
        Tokenizer tok = Llama2cTokenizer.read(SharedData.tok512());
        List<String> stories = TextFormat.TINYSTORIES.documents(
                SharedData.root().resolve("corpora/tinystories/TinyStories-valid.first1000.txt"));
        int[] pool = CalibrationWindows.stream(stories.subList(0, 700), tok, CalibrationWindows.Join.BOS_EACH);
        assertEquals(1, pool[0]);
        int[][] w = CalibrationWindows.evenlySpaced(pool, 128, 256);
        assertEquals(128, w.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(pool, pool.length - 256, pool.length), w[127]);
    }
}
