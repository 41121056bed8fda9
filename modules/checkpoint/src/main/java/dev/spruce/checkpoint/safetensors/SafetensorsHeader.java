package dev.spruce.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spruce.checkpoint.CheckpointFormatException;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Shape;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file.
 *
 * <p>Layout: an unsigned little-endian 64-bit header length {@code N}, {@code N} bytes of UTF-8
 * JSON, then the data section. {@link #parse} checks all of it before anything is handed out:
 * the length is within the file and at most {@value #MAX_HEADER_BYTES} bytes; the JSON is an
 * object without duplicate keys; every dtype is known; every shape is non-negative and its
 * element count fits; each tensor's byte range matches its dtype and shape; the ranges start at
 * 0, touch without holes or overlaps and end exactly at the end of the file; {@code __metadata__}
 * maps strings to strings.
 *
 * @param metadata   the {@code __metadata__} map (empty when absent)
 * @param entries    the tensors in data-section order
 * @param dataStart  the file offset of the data section ({@code 8 + N})
 */
public record SafetensorsHeader(Map<String, String> metadata, List<TensorEntry> entries, long dataStart) {

    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * Reads the header length from the first 8 bytes and checks it against the file size.
     *
     * @return the header length {@code N}
     */
    public static long checkHeaderLength(Path file, long fileSize, long headerLength) throws CheckpointFormatException {
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(file, null, 0, "header length "
                    + Long.toUnsignedString(headerLength) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + headerLength > fileSize) {
            throw new CheckpointFormatException(file, null, 0, "header length " + headerLength
                    + " runs past the end of the file (" + fileSize + " bytes): truncated or not a safetensors file");
        }
        if (headerLength < 2) {
            throw new CheckpointFormatException(file, null, 0, "header length " + headerLength + " is too small for a JSON object");
        }
        return headerLength;
    }

    /**
     * Parses and validates the JSON header.
     *
     * @param file       for messages
     * @param fileSize   the whole file's size in bytes
     * @param headerJson the {@code N} header bytes
     */
    public static SafetensorsHeader parse(Path file, long fileSize, byte[] headerJson) throws CheckpointFormatException {
        long dataStart = 8L + headerJson.length;
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerJson, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file, null, 8, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file, null, 8, "header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        checkLayout(file, entries, fileSize - dataStart, dataStart);
        return new SafetensorsHeader(Map.copyOf(metadata), List.copyOf(entries), dataStart);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) throws CheckpointFormatException {
        if (!node.isObject()) {
            throw new CheckpointFormatException(file, null, 8, "__metadata__ must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointFormatException(file, null, 8, "__metadata__ value for '" + e.getKey()
                        + "' must be a string, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
    }

    private static TensorEntry readEntry(Path file, String name, JsonNode node) throws CheckpointFormatException {
        if (!node.isObject()) {
            throw new CheckpointFormatException(file, name, 8, "header entry must be an object with dtype, shape, data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointFormatException(file, name, 8, "missing or non-string dtype");
        }
        DType dtype = DType.fromName(dtypeNode.asText()).orElseThrow(() -> new CheckpointFormatException(file, name, 8,
                "unknown dtype '" + dtypeNode.asText() + "'; expected one of " + List.of(DType.values())));
        long[] dims = readLongs(file, name, node.get("shape"), "shape", -1);
        long[] offsets = readLongs(file, name, node.get("data_offsets"), "data_offsets", 2);
        Shape shape;
        long expectedBytes;
        try {
            shape = Shape.of(dims);
            expectedBytes = dtype.byteSize(shape.numel());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, name, 8, "element count of shape "
                    + java.util.Arrays.toString(dims) + " overflows a 64-bit integer");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new CheckpointFormatException(file, name, 8, "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end - begin != expectedBytes) {
            throw new CheckpointFormatException(file, name, 8, "data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes but " + dtype + shape + " needs " + expectedBytes);
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static long[] readLongs(Path file, String name, JsonNode node, String key, int requiredLength)
            throws CheckpointFormatException {
        if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            throw new CheckpointFormatException(file, name, 8, key + " must be an array"
                    + (requiredLength >= 0 ? " of " + requiredLength + " integers" : " of integers"));
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new CheckpointFormatException(file, name, 8, key + "[" + i + "] = " + v
                        + " is not a non-negative 64-bit integer");
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** Ranges sorted by begin must tile [0, dataLength) exactly. */
    private static void checkLayout(Path file, List<TensorEntry> entries, long dataLength, long dataStart)
            throws CheckpointFormatException {
        long expectedBegin = 0;
        TensorEntry previous = null;
        for (TensorEntry e : entries) {
            if (e.begin() < expectedBegin) {
                throw new CheckpointFormatException(file, e.name(), dataStart + e.begin(), "bytes ["
                        + e.begin() + ", " + e.end() + ") overlap tensor '" + previous.name() + "' which ends at " + expectedBegin);
            }
            if (e.begin() > expectedBegin) {
                throw new CheckpointFormatException(file, e.name(), dataStart + expectedBegin, "hole of "
                        + (e.begin() - expectedBegin) + " bytes before this tensor (data must be contiguous from offset "
                        + expectedBegin + ")");
            }
            if (e.end() > dataLength) {
                throw new CheckpointFormatException(file, e.name(), dataStart + e.begin(), "data_offsets end at "
                        + e.end() + " but the data section has only " + dataLength + " bytes: file truncated");
            }
            expectedBegin = e.end();
            previous = e;
        }
        if (expectedBegin != dataLength) {
            throw new CheckpointFormatException(file, null, dataStart + expectedBegin, (dataLength - expectedBegin)
                    + " bytes after the last tensor are not described by the header");
        }
    }
}
