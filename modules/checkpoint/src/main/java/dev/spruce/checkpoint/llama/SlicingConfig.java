package dev.spruce.checkpoint.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spruce.checkpoint.config.ConfigException;
import dev.spruce.checkpoint.config.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The residual-stream widths of a SliceGPT-sliced checkpoint, layer by layer, with the keys of
 * SliceGPT's {@code SlicingConfig} ({@code microsoft/TransformerCompression}) so either tool can
 * read the other's numbers. It lives in the {@code slicing_config} object of the checkpoint's
 * {@value #SIDECAR} sidecar; {@code config.json} keeps the original {@code hidden_size}.
 *
 * <p>Block {@code i} reads a residual of {@code attentionInput(i)} features, writes
 * {@code attentionOutput(i)} after attention (through {@code attn_shortcut_Q}, shape
 * {@code [attentionInput, attentionOutput]}), which the MLP reads ({@code mlpInput(i)} equals it:
 * Llama blocks are sequential) and turns into {@code mlpOutput(i)} (through {@code mlp_shortcut_Q},
 * {@code [mlpInput, mlpOutput]}). The embeddings are {@code embeddingDimension} wide and the head
 * reads {@code headDimension}.
 *
 * @param hiddenSize          the original model's hidden size (the norms still divide by it)
 * @param doSliceHead         whether the head's input was sliced too
 * @param parallelBlocks      attention and MLP read the same input (phi-2); never true for Llama
 * @param embeddingDimension  width of the token embeddings (SliceGPT's {@code embedding_dimensions[0]})
 * @param constDimension      the one width used everywhere, when slicing was constant, else null
 */
public record SlicingConfig(int hiddenSize, boolean doSliceHead, boolean parallelBlocks, int embeddingDimension,
                            List<Integer> attentionInput, List<Integer> attentionOutput, List<Integer> mlpInput,
                            List<Integer> mlpOutput, int headDimension, Integer constDimension) {

    /** The sidecar file the config lives in. */
    public static final String SIDECAR = "spruce.json";
    /** The sidecar's key for it. */
    public static final String KEY = "slicing_config";

    private static final ObjectMapper JSON = new ObjectMapper();

    public SlicingConfig {
        attentionInput = List.copyOf(attentionInput);
        attentionOutput = List.copyOf(attentionOutput);
        mlpInput = List.copyOf(mlpInput);
        mlpOutput = List.copyOf(mlpOutput);
        int n = attentionInput.size();
        if (attentionOutput.size() != n || mlpInput.size() != n || mlpOutput.size() != n || n == 0) {
            throw new IllegalArgumentException("slicing_config: every per-layer list needs one entry per layer, got "
                    + attentionInput.size() + ", " + attentionOutput.size() + ", " + mlpInput.size() + ", "
                    + mlpOutput.size());
        }
    }

    /**
     * SliceGPT's constant schedule: {@code dimension} everywhere, except that the last block writes
     * the full hidden size for the head unless {@code sliceHead}.
     */
    public static SlicingConfig constant(int hiddenSize, int layers, int dimension, boolean sliceHead) {
        List<Integer> d = java.util.Collections.nCopies(layers, dimension);
        List<Integer> out = new ArrayList<>(d);
        int head = sliceHead ? dimension : hiddenSize;
        out.set(layers - 1, head);
        return new SlicingConfig(hiddenSize, sliceHead, false, dimension, d, d, d, out, head, null);
    }

    /** Decoder blocks ({@code layers_num}). */
    public int layers() {
        return attentionInput.size();
    }

    public int attentionInput(int layer) {
        return attentionInput.get(layer);
    }

    public int attentionOutput(int layer) {
        return attentionOutput.get(layer);
    }

    public int mlpInput(int layer) {
        return mlpInput.get(layer);
    }

    public int mlpOutput(int layer) {
        return mlpOutput.get(layer);
    }

    /**
     * Every way these widths cannot describe a runnable sliced version of {@code config}; empty
     * when they can.
     */
    public List<String> problems(ModelConfig config) {
        List<String> p = new ArrayList<>();
        if (hiddenSize != config.hiddenSize()) {
            p.add("hidden_size " + hiddenSize + " differs from config.json's " + config.hiddenSize());
        }
        if (layers() != config.numLayers()) {
            p.add("layers_num " + layers() + " differs from config.json's num_hidden_layers " + config.numLayers());
        }
        if (parallelBlocks) {
            p.add("parallel_blocks is true, but Llama-family blocks are sequential");
        }
        checkWidth(p, "embedding_dimensions[0]", embeddingDimension, config);
        checkWidth(p, "head_dimension", headDimension, config);
        for (int i = 0; i < layers(); i++) {
            checkWidth(p, "attention_input_dimensions[" + i + "]", attentionInput(i), config);
            checkWidth(p, "attention_output_dimensions[" + i + "]", attentionOutput(i), config);
            checkWidth(p, "mlp_input_dimensions[" + i + "]", mlpInput(i), config);
            checkWidth(p, "mlp_output_dimensions[" + i + "]", mlpOutput(i), config);
            if (mlpInput(i) != attentionOutput(i)) {
                p.add("layer " + i + ": mlp_input_dimensions " + mlpInput(i) + " must equal attention_output_dimensions "
                        + attentionOutput(i) + " (the MLP reads what attention writes)");
            }
            int before = i == 0 ? embeddingDimension : mlpOutput(i - 1);
            if (attentionInput(i) != before) {
                p.add("layer " + i + ": attention_input_dimensions " + attentionInput(i) + " must equal the width "
                        + before + " the " + (i == 0 ? "embeddings write" : "previous layer writes"));
            }
        }
        if (layers() > 0 && layers() == config.numLayers() && mlpOutput(layers() - 1) != headDimension) {
            p.add("the last layer writes " + mlpOutput(layers() - 1) + " features but head_dimension is " + headDimension);
        }
        return p;
    }

    private static void checkWidth(List<String> p, String key, int width, ModelConfig config) {
        if (width < 1 || width > config.hiddenSize()) {
            p.add(key + " is " + width + ", outside [1, hidden_size " + config.hiddenSize() + "]");
        }
    }

    /** The {@code slicing_config} object, keyed as SliceGPT's {@code SlicingConfig.to_dict()}. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("hidden_size", hiddenSize);
        n.put("layers_num", layers());
        n.put("do_slice_head", doSliceHead);
        n.put("parallel_blocks", parallelBlocks);
        n.putObject("embedding_dimensions").put("0", embeddingDimension);
        putLayers(n.putObject("attention_input_dimensions"), attentionInput);
        putLayers(n.putObject("attention_output_dimensions"), attentionOutput);
        putLayers(n.putObject("mlp_input_dimensions"), mlpInput);
        putLayers(n.putObject("mlp_output_dimensions"), mlpOutput);
        n.put("head_dimension", headDimension);
        if (constDimension == null) {
            n.putNull("const_dimension");
        } else {
            n.put("const_dimension", constDimension);
        }
        return n;
    }

    private static void putLayers(ObjectNode n, List<Integer> widths) {
        for (int i = 0; i < widths.size(); i++) {
            n.put(Integer.toString(i), widths.get(i));
        }
    }

    /**
     * The slicing config of the checkpoint in {@code dir}, or empty when it has no sidecar, or a
     * sidecar without one (a dense or pruned checkpoint). A sidecar that is not JSON counts as
     * absent: it only records history, and a sliced checkpoint without its widths fails to bind
     * with a message that says so.
     *
     * @throws ConfigException naming the key when {@code slicing_config} is present but malformed
     */
    public static Optional<SlicingConfig> read(Path dir) throws IOException {
        Path file = dir.resolve(SIDECAR);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            return Optional.empty();
        }
        JsonNode n = root == null ? null : root.get(KEY);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(fromJson(file, n));
    }

    /** Parses a {@code slicing_config} object; {@code file} is named in errors. */
    public static SlicingConfig fromJson(Path file, JsonNode n) throws ConfigException {
        if (!n.isObject()) {
            throw new ConfigException(file, KEY + " must be an object");
        }
        int hidden = intKey(file, n, "hidden_size");
        int layers = intKey(file, n, "layers_num");
        if (layers < 1) {
            throw new ConfigException(file, KEY + ".layers_num must be at least 1, found " + layers);
        }
        JsonNode emb = n.get("embedding_dimensions");
        if (emb == null || !emb.isObject() || !emb.has("0") || !emb.get("0").canConvertToExactIntegral()) {
            throw new ConfigException(file, KEY + ".embedding_dimensions must be an object with an integer \"0\"");
        }
        JsonNode head = n.get("head_dimension");
        JsonNode constant = n.get("const_dimension");
        try {
            return new SlicingConfig(hidden, bool(file, n, "do_slice_head"), bool(file, n, "parallel_blocks"),
                    emb.get("0").intValue(),
                    perLayer(file, n, "attention_input_dimensions", layers),
                    perLayer(file, n, "attention_output_dimensions", layers),
                    perLayer(file, n, "mlp_input_dimensions", layers),
                    perLayer(file, n, "mlp_output_dimensions", layers),
                    head == null || head.isNull() ? hidden : intKey(file, n, "head_dimension"),
                    constant == null || constant.isNull() ? null : intKey(file, n, "const_dimension"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, e.getMessage());
        }
    }

    private static List<Integer> perLayer(Path file, JsonNode n, String key, int layers) throws ConfigException {
        JsonNode o = n.get(key);
        if (o == null || !o.isObject()) {
            throw new ConfigException(file, KEY + "." + key + " must be an object from layer index to width");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            JsonNode v = o.get(Integer.toString(i));
            if (v == null || !v.canConvertToExactIntegral()) {
                throw new ConfigException(file, KEY + "." + key + " has no integer width for layer " + i);
            }
            out.add(v.intValue());
        }
        if (o.size() != layers) {
            throw new ConfigException(file, KEY + "." + key + " has " + o.size() + " entries for " + layers + " layers");
        }
        return out;
    }

    private static int intKey(Path file, JsonNode n, String key) throws ConfigException {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToExactIntegral()) {
            throw new ConfigException(file, KEY + "." + key + " must be an integer, found " + v);
        }
        return v.intValue();
    }

    private static boolean bool(Path file, JsonNode n, String key) throws ConfigException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(file, KEY + "." + key + " must be true or false, found " + v);
        }
        return v.booleanValue();
    }
}
