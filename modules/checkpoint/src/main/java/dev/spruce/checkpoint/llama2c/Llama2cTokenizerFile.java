package dev.spruce.checkpoint.llama2c;

import dev.spruce.checkpoint.CheckpointFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the structure of a llama2.c {@code tokenizer.bin}: an int32 maximum token length, then
 * per token a float32 score, an int32 byte length and the bytes. Decoding it is the engine's
 * job; the importer only makes sure it copies a well-formed file with the right vocabulary size.
 */
public final class Llama2cTokenizerFile {

    private Llama2cTokenizerFile() {
    }

    /** @throws CheckpointFormatException if the file is truncated or does not hold {@code vocabSize} tokens */
    public static void check(Path file, int vocabSize) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4 || b.getInt() <= 0) {
            throw new CheckpointFormatException(file, null, 0, "not a llama2.c tokenizer: no positive max token length");
        }
        for (int i = 0; i < vocabSize; i++) {
            int at = b.position();
            if (b.remaining() < 8) {
                throw new CheckpointFormatException(file, null, at, "ends after " + i + " tokens, the model needs "
                        + vocabSize);
            }
            b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new CheckpointFormatException(file, null, at, "token " + i + " claims " + len
                        + " bytes, " + b.remaining() + " remain");
            }
            b.position(b.position() + len);
        }
        if (b.hasRemaining()) {
            throw new CheckpointFormatException(file, null, b.position(), b.remaining()
                    + " bytes after token " + (vocabSize - 1) + ": the tokenizer has more tokens than the model's "
                    + vocabSize);
        }
    }
}
