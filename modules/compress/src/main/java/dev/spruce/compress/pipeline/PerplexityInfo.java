package dev.spruce.compress.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Perplexity measured before and after pruning in the same run.
 *
 * @param protocol {@code ts} or {@code wt2}
 * @param windows  windows evaluated
 * @param complete whether that is the protocol's full set
 */
public record PerplexityInfo(String protocol, int windows, int seqlen, boolean complete, double before, double after) {

    /** The sidecar's and report's {@code perplexity} object. */
    public ObjectNode toJson() {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("protocol", protocol);
        p.put("windows", windows);
        p.put("seqlen", seqlen);
        p.put("complete", complete);
        p.put("before", before);
        p.put("after", after);
        return p;
    }
}
