package dev.spruce.compress.calib;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A registered calibration dataset: where its file lives under the corpora folder, what it must
 * hash to, its licence and where a user gets it.
 *
 * @param file the path under the corpora folder (e.g. {@code c4/olmo-c4-sample.00000-of-00001.json.gz})
 */
public record CalibrationDataset(String name, String description, TextFormat format, String file, String sha256,
                                 String license, String source) {

    /**
     * The dataset's file under {@code corporaDir}, after checking it is there and unaltered.
     *
     * @throws DatasetException naming the file and the expected checksum when it is missing or differs
     */
    public Path locate(Path corporaDir) throws IOException {
        Path p = corporaDir.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new DatasetException(p, "the '" + name + "' calibration dataset is missing (expected sha256 "
                    + sha256 + "; get it from " + source + ")");
        }
        String actual = sha256(p);
        if (!actual.equals(sha256)) {
            throw new DatasetException(p, "the '" + name + "' calibration dataset is altered: sha256 is " + actual
                    + ", expected " + sha256);
        }
        return p;
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
