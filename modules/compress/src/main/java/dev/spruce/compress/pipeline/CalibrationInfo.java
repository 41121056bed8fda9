package dev.spruce.compress.pipeline;

/**
 * Where the calibration windows came from, for the sidecar and the report.
 *
 * @param dataset      the registry name ({@code c4}, {@code tinystories}, ...) or {@code file}
 * @param file         the text file read
 * @param sha256       its checksum
 * @param documents    documents taken from it (the pool)
 * @param join         how they were joined ({@code BOS_EACH}, {@code EOS_BETWEEN})
 * @param streamTokens tokens in the joined stream
 * @param windows      {@code even} or {@code random}
 * @param seed         the seed of random windows (recorded either way)
 */
public record CalibrationInfo(String dataset, String file, String sha256, int documents, String join, long streamTokens,
                              int nsamples, int seqlen, String windows, long seed) {
}
