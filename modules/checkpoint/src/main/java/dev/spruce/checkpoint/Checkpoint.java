package dev.spruce.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spruce.checkpoint.safetensors.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards
 * that {@code model.safetensors.index.json} names. Owns every mapped file and closes them all.
 *
 * <p>Opening maps files and validates headers only; it reads no tensor data, so a 140 GB
 * checkpoint opens as fast as a 1 MB one.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private Checkpoint(Path directory, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.directory = directory;
        this.files = files;
        this.tensors = tensors;
    }

    /**
     * Opens the checkpoint in {@code path}: a directory, or a single {@code .safetensors} file.
     *
     * @throws CheckpointFormatException if a file is corrupt, the index is malformed or names a missing shard
     * @throws NoSuchFileException       if there is no checkpoint at {@code path}
     */
    public static Checkpoint open(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return fromFiles(path.toAbsolutePath().getParent(), List.of(path), null);
        }
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint directory");
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            ShardIndex shardIndex = ShardIndex.read(index);
            return fromFiles(path, shardIndex.shardFiles(path), shardIndex);
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return fromFiles(path, List.of(single), null);
        }
        throw new NoSuchFileException(path.toString(), null,
                "no " + SINGLE_FILE + " or " + INDEX_FILE + " in this directory");
    }

    private static Checkpoint fromFiles(Path dir, List<Path> paths, ShardIndex index) throws IOException {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile file = SafetensorsFile.open(p);
                opened.add(file);
                for (Tensor t : file.tensors().values()) {
                    Tensor clash = tensors.putIfAbsent(t.name(), t);
                    if (clash != null) {
                        throw new CheckpointFormatException(p, t.name(), -1, "tensor also stored in " + clash.source());
                    }
                }
            }
            if (index != null) {
                index.checkAgainst(tensors);
            }
            return new Checkpoint(dir, List.copyOf(opened), Collections.unmodifiableMap(tensors));
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The directory the checkpoint lives in. */
    public Path directory() {
        return directory;
    }

    /** The mapped files, in shard order. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** All tensors by name, in shard then data order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or {@code null}. */
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** Total bytes of tensor data. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(Tensor::byteSize).sum();
    }

    /** Total number of elements over all tensors. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(Tensor::numel).sum();
    }

    /** Unmaps every file; tensor views become unusable. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    /** The parsed {@code model.safetensors.index.json}: which shard holds which tensor. */
    record ShardIndex(Path file, Map<String, String> weightMap) {

        static ShardIndex read(Path file) throws IOException {
            JsonNode root;
            try {
                root = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new CheckpointFormatException(file, "not valid JSON: " + e.getMessage(), e);
            }
            JsonNode map = root == null ? null : root.get("weight_map");
            if (map == null || !map.isObject()) {
                throw new CheckpointFormatException(file, "no \"weight_map\" object");
            }
            Map<String, String> weightMap = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                String shard = e.getValue().asText();
                if (!e.getValue().isTextual() || !isPlainFileName(shard)) {
                    throw new CheckpointFormatException(file, e.getKey(), -1, "weight_map names shard '"
                            + e.getValue() + "', expected a file name in the checkpoint directory");
                }
                weightMap.put(e.getKey(), shard);
            }
            return new ShardIndex(file, weightMap);
        }

        /** Shard paths in name order, each checked to exist. */
        List<Path> shardFiles(Path dir) throws CheckpointFormatException {
            List<Path> shards = new ArrayList<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                Path shard = dir.resolve(e.getValue());
                if (!shards.contains(shard)) {
                    if (!Files.isRegularFile(shard)) {
                        throw new CheckpointFormatException(file, e.getKey(), -1,
                                "shard '" + e.getValue() + "' named by the index is missing");
                    }
                    shards.add(shard);
                }
            }
            shards.sort(null);
            return shards;
        }

        void checkAgainst(Map<String, Tensor> tensors) throws CheckpointFormatException {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                Tensor t = tensors.get(e.getKey());
                if (t == null || !t.source().getFileName().toString().equals(e.getValue())) {
                    throw new CheckpointFormatException(file, e.getKey(), -1, "index says the tensor is in '"
                            + e.getValue() + "' but " + (t == null ? "no shard holds it" : "it is in " + t.source()));
                }
            }
        }

        private static boolean isPlainFileName(String name) {
            return !name.isEmpty() && !name.contains("/") && !name.contains("\\")
                    && !name.equals(".") && !name.equals("..");
        }
    }
}
