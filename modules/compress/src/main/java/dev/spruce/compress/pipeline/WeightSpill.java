package dev.spruce.compress.pipeline;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.WeightDtype;

/**
 * Where the pipeline keeps the pruned weights between pruning a block and writing the checkpoint:
 * a temporary file, each matrix encoded in its source dtype and mapped back read-only, so the
 * heap holds one block's weights at a time and the pruned model runs (and is written) from the
 * mapping. The file is unlinked as soon as it is open (on POSIX file systems), so a killed run
 * leaves nothing behind; elsewhere it is deleted on close.
 */
public final class WeightSpill implements AutoCloseable {

    private static final int CHUNK = 1 << 20;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private final Map<String, DenseMatrix> matrices = new LinkedHashMap<>();
    private long size;

    private WeightSpill(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A new spill file in {@code directory} (created if missing); put it on a disk with room for the model. */
    public static WeightSpill create(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path file = Files.createTempFile(directory, ".spruce-spill-", ".bin");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
        try {
            Files.delete(file); // POSIX keeps the open file: nothing is left behind even if the JVM is killed
        } catch (IOException e) {
            // not on this file system: DELETE_ON_CLOSE and close() remove it
        }
        return new WeightSpill(file, channel);
    }

    /** The spill file (gone once closed). */
    public Path file() {
        return file;
    }

    /**
     * Stores {@code weights} ({@code rows × cols}, row-major) as {@code dtype} and returns the
     * mapped matrix; values round to {@code dtype} as the checkpoint will hold them.
     */
    public synchronized DenseMatrix put(String name, float[] weights, WeightDtype dtype, int rows, int cols)
            throws IOException {
        if ((long) rows * cols != weights.length) {
            throw new IllegalArgumentException(name + ": " + weights.length + " weights for [" + rows + ", " + cols + "]");
        }
        if (matrices.containsKey(name)) {
            throw new IllegalArgumentException(name + " is already spilled");
        }
        long offset = size;
        long bytes = (long) weights.length * dtype.byteSize();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        MemorySegment chunk = MemorySegment.ofBuffer(buffer);
        long position = offset;
        int per = CHUNK / dtype.byteSize();
        for (int from = 0; from < weights.length; from += per) {
            int n = Math.min(per, weights.length - from);
            for (int i = 0; i < n; i++) {
                float v = weights[from + i];
                switch (dtype) {
                    case F32 -> chunk.setAtIndex(F32, i, v);
                    case BF16 -> chunk.setAtIndex(I16, i, FloatFormats.floatToBf16(v));
                    case F16 -> chunk.setAtIndex(I16, i, FloatFormats.floatToF16(v));
                }
            }
            buffer.clear().limit(n * dtype.byteSize());
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
        size = offset + bytes;
        MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
        DenseMatrix matrix = new DenseMatrix(mapped, dtype, rows, cols);
        matrices.put(name, matrix);
        return matrix;
    }

    /** The spilled matrices by tensor name, in the order they were put. */
    public synchronized Map<String, DenseMatrix> matrices() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(matrices));
    }

    /** Bytes spilled so far. */
    public synchronized long size() {
        return size;
    }

    /** Unmaps and deletes the file; the matrices must not be used afterwards. */
    @Override
    public synchronized void close() throws IOException {
        try {
            arena.close();
        } finally {
            channel.close();
            Files.deleteIfExists(file);
        }
    }

    /** A spilled matrix widened to floats (tests, reports). */
    public static float[] toFloats(DenseMatrix m) {
        int n = m.rows() * m.cols();
        float[] out = new float[n];
        MemorySegment d = m.data();
        for (int i = 0; i < n; i++) {
            out[i] = switch (m.dtype()) {
                case F32 -> d.getAtIndex(F32, i);
                case BF16 -> FloatFormats.bf16ToFloat(d.getAtIndex(I16, i));
                case F16 -> FloatFormats.f16ToFloat(d.getAtIndex(I16, i));
            };
        }
        return out;
    }
}
