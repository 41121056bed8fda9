package dev.spruce.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spruce.compress.calib.CalibrationDataset;
import dev.spruce.compress.calib.CalibrationWindows;
import dev.spruce.compress.calib.DatasetException;
import dev.spruce.compress.calib.DatasetRegistry;
import dev.spruce.compress.calib.TextFormat;
import dev.spruce.compress.pipeline.CalibrationInfo;
import dev.spruce.eval.Protocol;
import dev.spruce.model.Engine;
import picocli.CommandLine.Option;

/**
 * Where calibration windows come from: the options of the commands that calibrate on text
 * ({@code prune}, {@code slice}), and the windows they describe.
 */
final class CalibrationOptions {

    enum WindowsMode { even, random }

    @Option(names = "--calib", paramLabel = "NAME|FILE",
            description = "Calibration text: c4, wikitext2, tinystories (checked against their sha256 under"
                    + " --corpora) or a file (.json.gz/.jsonl with a text field, or plain text). Default:"
                    + " tinystories for a TinyStories model (directory name containing 'stories'), else c4.")
    String calib;

    @Option(names = "--nsamples", paramLabel = "N", defaultValue = "128",
            description = "Calibration windows. Default: ${DEFAULT-VALUE}.")
    int nsamples;

    @Option(names = "--seqlen", paramLabel = "N",
            description = "Tokens per window. Default: 256 with tinystories, else min(2048, context).")
    Integer seqlen;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of random windows. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--windows", paramLabel = "MODE", defaultValue = "even",
            description = "even: windows evenly spaced over the calibration stream (reproducible, DESIGN.md);"
                    + " random: random starts from --seed. Default: ${DEFAULT-VALUE}.")
    WindowsMode windows;

    @Option(names = "--corpora", paramLabel = "DIR",
            description = "Folder of the registered corpora. Default: ../shared/corpora beside the checkout.")
    Path corpora;

    /** The windows and where they came from. */
    record Calibration(int[][] windows, CalibrationInfo info) {
    }

    /** The corpora folder: {@code --corpora} or the shared one beside the checkout. */
    Path corporaDir() {
        return corpora != null ? corpora : Defaults.corpora();
    }

    /** Refuses impossible numbers before any model is loaded. */
    void validate() throws UserInputException {
        if (nsamples < 1 || (seqlen != null && seqlen < 2)) {
            throw new UserInputException("--nsamples must be ≥ 1 and --seqlen ≥ 2");
        }
    }

    /**
     * Reads, tokenises and cuts the calibration text: a registered dataset's first 700 documents
     * (the TS protocol's pool; DESIGN.md's C4 documents), joined with BOS before each story for
     * TinyStories text and with EOS between documents otherwise.
     *
     * @param sourceSidecar the model's {@code spruce.json}, whose calibration set is the default for
     *                      a model derived from a TinyStories one
     */
    Calibration load(Engine engine, Path modelDir, JsonNode sourceSidecar) throws IOException, UserInputException {
        String name = calib;
        if (name == null) {
            boolean stories = modelDir.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT)
                    .contains("stories")
                    || (sourceSidecar != null && "tinystories".equals(sourceSidecar.path("calibration").path("dataset").asText()));
            name = stories ? "tinystories" : "c4";
        }
        DatasetRegistry registry = DatasetRegistry.bundled();
        var registered = registry.find(name);
        Path file;
        String sha;
        TextFormat format;
        try {
            if (registered.isPresent()) {
                CalibrationDataset d = registered.get();
                file = d.locate(corporaDir());
                sha = d.sha256();
                format = d.format();
            } else {
                file = Path.of(name);
                if (!Files.isRegularFile(file)) {
                    throw new UserInputException("--calib " + name + ": neither a registered dataset ("
                            + String.join(", ", registry.names()) + ") nor a file");
                }
                sha = sha256(file);
                format = TextFormat.guess(file);
            }
        } catch (DatasetException e) {
            throw new UserInputException(e.getMessage());
        }
        List<String> documents;
        try {
            documents = format.documents(file);
        } catch (DatasetException e) {
            throw new UserInputException(e.getMessage());
        }
        // the TS protocol's pool (stories 0-699) and DESIGN.md's C4 documents 0-699
        if (registered.isPresent() && !name.equals("wikitext2")) {
            documents = documents.subList(0, Math.min(Protocol.EVAL_START, documents.size()));
        }
        if (documents.isEmpty()) {
            throw new UserInputException(file + ": no calibration text in it");
        }
        boolean storiesFormat = format == TextFormat.TINYSTORIES;
        CalibrationWindows.Join join = storiesFormat ? CalibrationWindows.Join.BOS_EACH
                : CalibrationWindows.Join.EOS_BETWEEN;
        int n = seqlen != null ? seqlen : (storiesFormat ? Math.min(256, engine.context())
                : Math.min(2048, engine.context()));
        if (n > engine.context()) {
            throw new UserInputException("--seqlen " + n + " is longer than the model's context, " + engine.context());
        }
        int[] stream = CalibrationWindows.stream(documents, engine.tokenizer(), join);
        int[][] w;
        try {
            w = windows == WindowsMode.even ? CalibrationWindows.evenlySpaced(stream, nsamples, n)
                    : CalibrationWindows.random(stream, nsamples, n, seed);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--calib " + name + ": " + e.getMessage());
        }
        return new Calibration(w, new CalibrationInfo(registered.isPresent() ? name : "file",
                file.toAbsolutePath().normalize().toString(), sha, documents.size(), join.name(), stream.length,
                nsamples, n, windows.name(), seed));
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0; ) {
                md.update(buf, 0, k);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
