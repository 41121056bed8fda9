package dev.spruce.kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fresh memory for weights the kernels will read beside a checkpoint's mapped tensors (transposed
 * shortcuts, weights packed at load). It is a mapping of an unlinked temporary file, so it is a
 * segment of the same class as the mapped weights. Heap or arena memory would not do: a segment of
 * a second class reaching a kernel makes its vector loads' type profile polymorphic, and the
 * compiled loads slow down for every weight of every model in the JVM (measured with sliced
 * TinyLlama: a heap copy of its shortcuts gave 4.4 decode tokens/s against 7.4 for the dense model;
 * an arena copy held a dense model running beside it in one JVM at 5.35 tokens/s against 7.95).
 * The memory is unmapped when the segment becomes unreachable.
 */
public final class WeightMemory {

    private WeightMemory() {
    }

    /** {@code bytes} of zeroed, writable memory (at least one byte is mapped). */
    public static MemorySegment allocate(long bytes) {
        try {
            Path file = Files.createTempFile("spruce-weights", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long size = Math.max(1, bytes);
                channel.truncate(size);
                return channel.map(FileChannel.MapMode.READ_WRITE, 0, size, Arena.ofAuto()).asSlice(0, bytes);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + bytes + " bytes of weight memory in "
                    + System.getProperty("java.io.tmpdir"), e);
        }
    }
}
