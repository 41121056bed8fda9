package dev.spruce.checkpoint;

/** Told how far a long write has got; called from the writing thread. */
@FunctionalInterface
public interface WriteProgress {

    /** Nothing to report to. */
    WriteProgress NONE = (done, total, what) -> { };

    /**
     * @param doneBytes  tensor bytes written so far
     * @param totalBytes tensor bytes to write in all
     * @param current    the tensor being written
     */
    void update(long doneBytes, long totalBytes, String current);
}
