package dev.spruce.model.attention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spruce.checkpoint.config.ModelConfig;

/**
 * Double Sparsity's offline channel calibration: per layer and head, the head's channel indices in
 * descending importance. The sidecar JSON holds the model's shape, so a file made for another
 * model is refused with a message naming both shapes.
 *
 * <pre>{@code
 * {"format": "spruce.attention-channels", "version": 1, "mode": "qk",
 *  "num_layers": 5, "num_heads": 8, "num_kv_heads": 4, "head_dim": 8,
 *  "source": {...free-form provenance...},
 *  "channels": [[[3, 0, 7, ...], ...per head...], ...per layer...]}
 * }</pre>
 * In {@code q} and {@code qk} modes there is one list per query head; in {@code k} mode one per KV
 * head, shared by the query heads of its group.
 *
 * @param mode     what was ranked: {@code qk}, {@code q} or {@code k}
 * @param channels {@code [layer][head][rank]}: channel indices, most important first
 */
public record ChannelCalibration(Mode mode, int numLayers, int numHeads, int numKvHeads, int headDim,
                                 int[][][] channels, JsonNode source) {

    static final String FORMAT = "spruce.attention-channels";

    /** What a channel's importance is measured on. */
    public enum Mode {
        /** Mean |q_c · k_c| of the query and the key of the same position, after RoPE, per query head (the paper's default). */
        QK,
        /** Mean |q_c| after RoPE, per query head. */
        Q,
        /** Mean |k_c| after RoPE, per KV head. */
        K;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Heads with a channel list of their own in this mode. */
    public int listedHeads() {
        return mode == Mode.K ? numKvHeads : numHeads;
    }

    /** Throws a message naming both shapes unless this calibration was made for a model shaped like {@code config}. */
    public void checkFits(ModelConfig config, String where) {
        if (config.numLayers() != numLayers || config.numHeads() != numHeads || config.numKvHeads() != numKvHeads
                || config.headDim() != headDim) {
            throw new IllegalArgumentException(where + ": the channel calibration is for a model of " + shape(numLayers,
                    numHeads, numKvHeads, headDim) + ", this model has " + shape(config.numLayers(), config.numHeads(),
                    config.numKvHeads(), config.headDim()));
        }
    }

    private static String shape(int layers, int heads, int kvHeads, int headDim) {
        return layers + " layers, " + heads + " heads, " + kvHeads + " KV heads of " + headDim;
    }

    /** The channel order query head {@code queryHead} of {@code layer} uses. */
    public int[] order(int layer, int queryHead) {
        int head = mode == Mode.K ? queryHead / (numHeads / numKvHeads) : queryHead;
        return channels[layer][head];
    }

    /** Writes the sidecar JSON. */
    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        root.put("mode", mode.id());
        root.put("num_layers", numLayers);
        root.put("num_heads", numHeads);
        root.put("num_kv_heads", numKvHeads);
        root.put("head_dim", headDim);
        if (source != null) {
            root.set("source", source);
        }
        ArrayNode layers = root.putArray("channels");
        for (int[][] layer : channels) {
            ArrayNode heads = layers.addArray();
            for (int[] head : layer) {
                ArrayNode list = heads.addArray();
                for (int c : head) {
                    list.add(c);
                }
            }
        }
        Files.writeString(file, json.writeValueAsString(root));
    }

    /**
     * Reads and checks a sidecar: its format, and that every list is a permutation of the head's channels.
     *
     * @throws IOException naming the file and what is wrong
     */
    public static ChannelCalibration read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a channel calibration (" + e.getMessage().lines().findFirst().orElse("")
                    + ")", e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IOException(file + ": not a channel calibration (expected \"format\": \"" + FORMAT + "\")");
        }
        Mode mode;
        try {
            mode = Mode.valueOf(root.path("mode").asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": mode '" + root.path("mode").asText() + "' is not qk, q or k");
        }
        int layers = positive(root, "num_layers", file);
        int heads = positive(root, "num_heads", file);
        int kvHeads = positive(root, "num_kv_heads", file);
        int headDim = positive(root, "head_dim", file);
        if (heads % kvHeads != 0) {
            throw new IOException(file + ": " + heads + " heads do not split into groups of " + kvHeads + " KV heads");
        }
        int listed = mode == Mode.K ? kvHeads : heads;
        JsonNode all = root.path("channels");
        if (all.size() != layers) {
            throw new IOException(file + ": channels has " + all.size() + " layers, num_layers says " + layers);
        }
        int[][][] channels = new int[layers][listed][];
        for (int l = 0; l < layers; l++) {
            if (all.get(l).size() != listed) {
                throw new IOException(file + ": layer " + l + " lists " + all.get(l).size() + " heads, expected " + listed);
            }
            for (int h = 0; h < listed; h++) {
                channels[l][h] = permutation(all.get(l).get(h), headDim, file + ": layer " + l + " head " + h);
            }
        }
        JsonNode source = root.get("source");
        return new ChannelCalibration(mode, layers, heads, kvHeads, headDim, channels, source);
    }

    private static int positive(JsonNode root, String field, Path file) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || !n.canConvertToInt() || n.asInt() < 1) {
            throw new IOException(file + ": " + field + " must be a positive integer");
        }
        return n.asInt();
    }

    private static int[] permutation(JsonNode list, int headDim, String where) throws IOException {
        if (!list.isArray() || list.size() != headDim) {
            throw new IOException(where + ": expected the " + headDim + " channel indices, found " + list.size());
        }
        int[] order = new int[headDim];
        boolean[] seen = new boolean[headDim];
        for (int i = 0; i < headDim; i++) {
            int c = list.get(i).asInt(-1);
            if (c < 0 || c >= headDim || seen[c]) {
                throw new IOException(where + ": entry " + i + " (" + list.get(i) + ") is not a new channel index below "
                        + headDim);
            }
            seen[c] = true;
            order[i] = c;
        }
        return order;
    }

    /** Channels ranked from per-head mean importances {@code [layer][head][channel]}, highest first (lower index on ties). */
    public static ChannelCalibration rank(Mode mode, ModelConfig config, double[][][] importance, JsonNode source) {
        int[][][] channels = new int[importance.length][][];
        for (int l = 0; l < importance.length; l++) {
            channels[l] = new int[importance[l].length][];
            for (int h = 0; h < importance[l].length; h++) {
                double[] m = importance[l][h];
                List<Integer> order = new ArrayList<>();
                for (int c = 0; c < m.length; c++) {
                    order.add(c);
                }
                order.sort((a, b) -> m[a] != m[b] ? Double.compare(m[b], m[a]) : Integer.compare(a, b));
                channels[l][h] = order.stream().mapToInt(Integer::intValue).toArray();
            }
        }
        return new ChannelCalibration(mode, config.numLayers(), config.numHeads(), config.numKvHeads(),
                config.headDim(), channels, source);
    }
}
