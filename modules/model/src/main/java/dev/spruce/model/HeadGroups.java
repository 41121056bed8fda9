package dev.spruce.model;

/**
 * Splits a range of attention work items, {@code row * heads + queryHead}, into runs of query heads
 * of one row that share a KV head, so a run can read its KV head's keys and values once. The
 * forward pass hands each worker a contiguous range of items (balanced across workers whatever the
 * number of KV heads); a group cut by a range boundary becomes two runs.
 */
public final class HeadGroups {

    /** Receives one run: query heads {@code firstHead .. firstHead + heads} of {@code row}, all of {@code kvHead}. */
    @FunctionalInterface
    public interface Run {
        void accept(int row, int firstHead, int heads, int kvHead);
    }

    private HeadGroups() {
    }

    /**
     * Calls {@code run} for the runs of items {@code [start, end)}, in order.
     *
     * @param heads query heads per row
     * @param group query heads per KV head
     */
    public static void forEachRun(int start, int end, int heads, int group, Run run) {
        int i = start;
        while (i < end) {
            int row = i / heads;
            int head = i % heads;
            int kvHead = head / group;
            int last = Math.min(end, row * heads + (kvHead + 1) * group);
            run.accept(row, head, last - i, kvHead);
            i = last;
        }
    }
}
