package dev.spruce.checkpoint.llama2c;

import dev.spruce.checkpoint.CheckpointFormatException;
import dev.spruce.checkpoint.MappedFile;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A checkpoint in llama2.c's legacy {@code .bin} format, memory-mapped read-only.
 *
 * <p>Layout: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size — negative when the classifier is stored separately — and seq_len), then fp32
 * arrays: token embeddings, attention RMSNorm, wq, wk, wv, wo, FFN RMSNorm, w1, w2, w3, final
 * RMSNorm, the RoPE tables (real and imaginary halves, unused here) and, if untied, wcls.
 * Matrices are {@code [out, in]}; q and k rows interleave RoPE pairs as {@code (2i, 2i+1)}.
 */
public final class Llama2cModel implements AutoCloseable {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HEADER_BYTES = 7 * Integer.BYTES;

    private final Path file;
    private final MappedFile mapped;
    private final Llama2cHeader header;

    private Llama2cModel(Path file, MappedFile mapped, Llama2cHeader header) {
        this.file = file;
        this.mapped = mapped;
        this.header = header;
    }

    /**
     * Maps and checks a llama2.c checkpoint.
     *
     * @throws CheckpointFormatException if the header is implausible or the size does not match it
     */
    public static Llama2cModel open(Path file) throws IOException {
        MappedFile mappedFile = MappedFile.open(file);
        return mappedFile.validate(f -> {
            long size = f.size();
            if (size < HEADER_BYTES) {
                throw new CheckpointFormatException(file, null, 0, "file has " + size
                        + " bytes, fewer than llama2.c's 28-byte header");
            }
            int[] h = new int[7];
            for (int i = 0; i < 7; i++) {
                h[i] = f.segment().getAtIndex(INT, i);
            }
            Llama2cHeader header = Llama2cHeader.of(file, h);
            long expected = HEADER_BYTES + 4L * header.floatCount();
            if (size != expected) {
                throw new CheckpointFormatException(file, null, -1, "file has " + size + " bytes but its header "
                        + header + " implies " + expected + ": truncated, or not a llama2.c legacy checkpoint");
            }
            return new Llama2cModel(file, f, header);
        });
    }

    public Path file() {
        return file;
    }

    public Llama2cHeader header() {
        return header;
    }

    /** The fp32 bytes of one array of the file ({@link Llama2cHeader.Array}), for all layers. */
    public MemorySegment array(Llama2cHeader.Array array) {
        return mapped.segment().asSlice(HEADER_BYTES + 4L * header.floatOffset(array), 4L * header.floatCount(array));
    }

    @Override
    public void close() {
        mapped.close();
    }
}
