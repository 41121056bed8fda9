package dev.spruce.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spruce.checkpoint.TensorSpec;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where each tensor of one safetensors file goes: the header bytes (JSON padded with spaces to a
 * multiple of 8, so the data section starts aligned) and each tensor's offset in the file.
 * Tensors are laid out in the order given.
 *
 * @param header  the bytes between the 8-byte length and the data section
 * @param tensors the tensors in file order
 * @param offsets each tensor's absolute file offset
 * @param size    the whole file's size
 */
public record SafetensorsLayout(byte[] header, List<TensorSpec> tensors, long[] offsets, long size) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Lays out {@code tensors} with a {@code __metadata__} map. */
    public static SafetensorsLayout of(List<TensorSpec> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long[] relative = new long[tensors.size()];
        long position = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(t.shape().dims()).forEach(shape::add);
            relative[i] = position;
            position = Math.addExact(position, t.byteSize());
            entry.putArray("data_offsets").add(relative[i]).add(position);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        long dataStart = 8L + padded;
        long[] absolute = Arrays.stream(relative).map(r -> dataStart + r).toArray();
        return new SafetensorsLayout(header, List.copyOf(tensors), absolute, dataStart + position);
    }

    /** Splits tensors, in order, into consecutive groups of at most {@code maxShardBytes} of data each
     *  (a single larger tensor gets a shard of its own), as Hugging Face's sharding does. */
    public static List<List<TensorSpec>> shard(List<TensorSpec> tensors, long maxShardBytes) {
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorSpec t : tensors) {
            if (!current.isEmpty() && currentBytes + t.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += t.byteSize();
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }
}
