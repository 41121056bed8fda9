package dev.spruce.compress.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    /** The sidecar's and report's {@code calibration} object. */
    public ObjectNode toJson() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("dataset", dataset);
        c.put("file", file);
        c.put("sha256", sha256);
        c.put("documents", documents);
        c.put("join", join);
        c.put("stream_tokens", streamTokens);
        c.put("nsamples", nsamples);
        c.put("seqlen", seqlen);
        c.put("windows", windows);
        c.put("seed", seed);
        return c;
    }
}
