package dev.spruce.checkpoint.safetensors;

import dev.spruce.checkpoint.CheckpointFormatException;
import dev.spruce.checkpoint.MappedFile;
import dev.spruce.checkpoint.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only through a {@link MappedFile} that this object
 * owns. Tensors are zero-copy slices of the mapping, so files of any size open in
 * the time it takes to parse the header; nothing else is read until a tensor's bytes are.
 *
 * <p>Closing unmaps the file: every {@link Tensor} view of it becomes unusable. Views never close
 * anything themselves.
 */
public final class SafetensorsFile implements AutoCloseable {

    private static final ValueLayout.OfLong HEADER_LENGTH = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MappedFile file;
    private final SafetensorsHeader header;
    private final Map<String, Tensor> tensors;

    private SafetensorsFile(Path path, MappedFile file, SafetensorsHeader header, Map<String, Tensor> tensors) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.tensors = tensors;
    }

    /**
     * Maps and validates a file.
     *
     * @throws CheckpointFormatException if the file is not a well-formed safetensors file
     * @throws NoSuchFileException       if it does not exist
     */
    public static SafetensorsFile open(Path path) throws IOException {
        MappedFile file = MappedFile.open(path);
        return file.validate(f -> {
            long size = f.size();
            if (size < 8) {
                throw new CheckpointFormatException(path, null, 0, "file has " + size
                        + " bytes, fewer than the 8-byte header length: truncated or not a safetensors file");
            }
            MemorySegment mapped = f.segment();
            long headerLength = SafetensorsHeader.checkHeaderLength(path, size, mapped.get(HEADER_LENGTH, 0));
            byte[] json = mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            SafetensorsHeader header = SafetensorsHeader.parse(path, size, json);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorEntry e : header.entries()) {
                MemorySegment data = mapped.asSlice(header.dataStart() + e.begin(), e.byteSize());
                tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(), data, path));
            }
            return new SafetensorsFile(path, f, header, Collections.unmodifiableMap(tensors));
        });
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map of the header. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The header's tensor descriptions in data order. */
    public List<TensorEntry> entries() {
        return header.entries();
    }

    /** Tensor views by name, in data order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or {@code null}. */
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** Unmaps the file; views of it become unusable. */
    @Override
    public void close() {
        file.close();
    }
}
