package dev.spruce.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file whose bytes do not follow its format: a truncated file, a corrupt header,
 * offsets that overlap or leave holes, a shard the index names but that is missing.
 *
 * <p>The message reads {@code FILE: tensor 'NAME' (byte OFFSET): PROBLEM}, leaving out the parts
 * that do not apply, so one line tells a user what is wrong and where.
 */
public final class CheckpointFormatException extends CheckpointException {

    private final String tensor;
    private final long offset;

    /**
     * @param file    the file with the problem
     * @param tensor  the tensor concerned, or {@code null}
     * @param offset  the byte offset in the file, or -1 when no single offset applies
     * @param problem what is wrong and what was expected
     */
    public CheckpointFormatException(Path file, String tensor, long offset, String problem) {
        super(file, format(file, tensor, offset, problem));
        this.tensor = tensor;
        this.offset = offset;
    }

    public CheckpointFormatException(Path file, String problem) {
        this(file, null, -1, problem);
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file, format(file, null, -1, problem), cause);
        this.tensor = null;
        this.offset = -1;
    }

    /** The tensor the problem is in, or {@code null} when it concerns the whole file. */
    public String tensor() {
        return tensor;
    }

    /** The byte offset of the problem in the file, or -1. */
    public long offset() {
        return offset;
    }

    private static String format(Path file, String tensor, long offset, String problem) {
        StringBuilder sb = new StringBuilder().append(file);
        if (tensor != null) {
            sb.append(": tensor '").append(tensor).append('\'');
        }
        if (offset >= 0) {
            sb.append(tensor != null ? " " : ": ").append("(byte ").append(offset).append(')');
        }
        return sb.append(": ").append(problem).toString();
    }
}
