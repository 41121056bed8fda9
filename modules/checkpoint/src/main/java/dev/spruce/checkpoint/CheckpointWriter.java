package dev.spruce.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spruce.checkpoint.safetensors.SafetensorsLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a Hugging Face checkpoint directory as one transaction.
 *
 * <p>Every file goes first to a hidden temporary name ({@code .NAME.partial}) in the target
 * directory; {@link #commit()} renames them into place, the weights last (the index, or
 * {@code model.safetensors}), so a run that dies half way never leaves a directory that looks
 * like a complete checkpoint. Closing without committing deletes the temporary files, and the
 * directory if this writer created it.
 *
 * <p>Tensors are streamed: each is produced by a {@link TensorFiller} straight into the mapped
 * output file, so memory use does not grow with the checkpoint. Shards follow Hugging Face's
 * naming ({@code model-00001-of-00003.safetensors} plus {@code model.safetensors.index.json});
 * each shard's {@code __metadata__} is {@code {"format":"pt"}}.
 */
public final class CheckpointWriter implements AutoCloseable {

    /** Hugging Face's default maximum shard size ("5GB"). */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ValueLayout.OfLong LENGTH = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Map<String, String> SHARD_METADATA = Map.of("format", "pt");

    private final Path directory;
    private final boolean createdDirectory;
    private final boolean overwrite;
    /** Final name → temporary path, in the order files were written. */
    private final Map<String, Path> pending = new LinkedHashMap<>();
    private String weightsEntryPoint;
    private boolean committed;

    private CheckpointWriter(Path directory, boolean createdDirectory, boolean overwrite) {
        this.directory = directory;
        this.createdDirectory = createdDirectory;
        this.overwrite = overwrite;
    }

    /**
     * Starts writing into {@code directory}.
     *
     * @param overwrite replace an existing checkpoint there; without it, a non-empty directory is refused
     * @throws OutputExistsException if the directory holds files and {@code overwrite} is false
     */
    public static CheckpointWriter create(Path directory, boolean overwrite) throws IOException {
        boolean created = false;
        if (Files.exists(directory)) {
            if (!Files.isDirectory(directory)) {
                throw new IOException(directory + ": exists and is not a directory");
            }
            if (!overwrite && !isEmpty(directory)) {
                throw new OutputExistsException(directory);
            }
        } else {
            Files.createDirectories(directory);
            created = true;
        }
        return new CheckpointWriter(directory, created, overwrite);
    }

    public Path directory() {
        return directory;
    }

    /** Writes a small file (config, tokenizer, report) to be committed with the checkpoint. */
    public void writeBytes(String fileName, byte[] content) throws IOException {
        Files.write(temporary(fileName), content);
    }

    /** Writes a JSON document, indented. */
    public void writeJson(String fileName, JsonNode content) throws IOException {
        writeBytes(fileName, JSON.writeValueAsBytes(content));
    }

    /** Copies a file (a tokenizer, say) into the checkpoint under {@code fileName}. */
    public void copyFile(Path source, String fileName) throws IOException {
        Files.copy(source, temporary(fileName), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes all weights: one {@code model.safetensors} when they fit in {@code maxShardBytes},
     * otherwise shards and an index. Tensors keep the order given.
     */
    public void writeTensors(List<TensorSpec> tensors, TensorFiller filler, long maxShardBytes, WriteProgress progress)
            throws IOException {
        if (weightsEntryPoint != null) {
            throw new IllegalStateException("tensors were already written");
        }
        checkUniqueNames(tensors);
        List<List<TensorSpec>> shards = SafetensorsLayout.shard(tensors, maxShardBytes);
        long total = tensors.stream().mapToLong(TensorSpec::byteSize).sum();
        long[] done = {0};
        WriteProgress counting = (d, t, name) -> progress.update(done[0] + d, total, name);
        if (shards.size() == 1) {
            done[0] += writeShard(Checkpoint.SINGLE_FILE, shards.getFirst(), filler, counting);
            weightsEntryPoint = Checkpoint.SINGLE_FILE;
            return;
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            done[0] += writeShard(name, shards.get(i), filler, counting);
            shards.get(i).forEach(t -> weightMap.put(t.name(), name));
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        writeJson(Checkpoint.INDEX_FILE, index);
        weightsEntryPoint = Checkpoint.INDEX_FILE;
    }

    private long writeShard(String fileName, List<TensorSpec> tensors, TensorFiller filler, WriteProgress progress)
            throws IOException {
        SafetensorsLayout layout = SafetensorsLayout.of(tensors, SHARD_METADATA);
        Path tmp = temporary(fileName);
        long written = 0;
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {  // shared: fillers may write from worker threads
            MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, layout.size(), arena);
            file.set(LENGTH, 0, layout.header().length);
            MemorySegment.copy(MemorySegment.ofArray(layout.header()), 0, file, 8, layout.header().length);
            for (int i = 0; i < tensors.size(); i++) {
                TensorSpec spec = tensors.get(i);
                progress.update(written, -1, spec.name());
                filler.fill(spec, file.asSlice(layout.offsets()[i], spec.byteSize()));
                written += spec.byteSize();
            }
            progress.update(written, -1, "");
            file.force();
        }
        return written;
    }

    /**
     * Renames every file into place, the weights last. If overwriting, stale weight files of the
     * previous checkpoint are removed first so old shards cannot mix with new ones.
     */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        if (overwrite) {
            removeStaleWeights();
        }
        List<String> order = new ArrayList<>(pending.keySet());
        if (weightsEntryPoint != null) {
            order.remove(weightsEntryPoint);
            order.add(weightsEntryPoint);
        }
        for (String name : order) {
            Files.move(pending.get(name), directory.resolve(name),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            pending.remove(name);
        }
        committed = true;
    }

    /** Without a commit, deletes what was written (and the directory if this writer made it). */
    @Override
    public void close() throws IOException {
        if (committed) {
            return;
        }
        for (Path tmp : pending.values()) {
            Files.deleteIfExists(tmp);
        }
        pending.clear();
        if (createdDirectory && isEmpty(directory)) {
            Files.deleteIfExists(directory);
        }
    }

    private Path temporary(String fileName) {
        if (fileName.contains("/") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("not a plain file name: " + fileName);
        }
        Path tmp = directory.resolve("." + fileName + ".partial");
        pending.put(fileName, tmp);
        return tmp;
    }

    private void removeStaleWeights() throws IOException {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(directory, "model*.safetensors*")) {
            for (Path p : old) {
                if (!pending.containsKey(p.getFileName().toString())) {
                    Files.delete(p);
                }
            }
        }
        Files.deleteIfExists(directory.resolve(Checkpoint.INDEX_FILE));
    }

    private static void checkUniqueNames(List<TensorSpec> tensors) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (TensorSpec t : tensors) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' given twice");
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
