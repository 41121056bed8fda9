package dev.spruce.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only into its own {@link Arena#ofShared() shared arena}: the single
 * owner of that mapping. Slices of {@link #segment()} are views; only {@link #close()} unmaps.
 */
public final class MappedFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /** Maps {@code path}; a file of any size, no copy. */
    public static MappedFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return new MappedFile(path, arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The whole file. */
    public MemorySegment segment() {
        return segment;
    }

    public long size() {
        return segment.byteSize();
    }

    /**
     * Runs a validation of the freshly mapped file; if it throws, the mapping is closed before the
     * exception propagates, so a rejected file never leaks its mapping.
     */
    public <T> T validate(Validation<T> validation) throws IOException {
        try {
            return validation.apply(this);
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** A check of a mapped file that produces its parsed form. */
    @FunctionalInterface
    public interface Validation<T> {
        T apply(MappedFile file) throws IOException;
    }

    @Override
    public void close() {
        arena.close();
    }
}
