package dev.spruce.kernels;

/**
 * The selection logic of top-k, shared by both implementations so they return identical indices:
 * a binary heap of indices in the caller's output array whose root is the worst kept value
 * (smallest, then highest index). The SIMD twin only adds a pre-filter that skips chunks with no
 * value above the root.
 */
final class TopKHeap {

    private TopKHeap() {
    }

    /** True if index {@code a} ranks below index {@code b}: smaller value, or equal value and higher index. */
    static boolean worse(float[] x, int a, int b) {
        return x[a] < x[b] || (x[a] == x[b] && a > b);
    }

    /**
     * Offers index {@code i} to a heap of {@code size} entries with capacity {@code k}.
     *
     * @return the new size
     */
    static int offer(float[] x, int[] heap, int size, int k, int i) {
        if (Float.isNaN(x[i])) {
            return size;
        }
        if (size < k) {
            heap[size] = i;
            siftUp(x, heap, size);
            return size + 1;
        }
        if (worse(x, heap[0], i)) {
            heap[0] = i;
            siftDown(x, heap, 0, size);
        }
        return size;
    }

    /** Sorts the heap best first (heap sort: repeatedly move the worst to the end). */
    static void sortBestFirst(float[] x, int[] heap, int size) {
        for (int end = size - 1; end > 0; end--) {
            int worst = heap[0];
            heap[0] = heap[end];
            heap[end] = worst;
            siftDown(x, heap, 0, end);
        }
    }

    private static void siftUp(float[] x, int[] heap, int pos) {
        int item = heap[pos];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            if (!worse(x, item, heap[parent])) {
                break;
            }
            heap[pos] = heap[parent];
            pos = parent;
        }
        heap[pos] = item;
    }

    private static void siftDown(float[] x, int[] heap, int pos, int size) {
        int item = heap[pos];
        while (true) {
            int child = 2 * pos + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(x, heap[child + 1], heap[child])) {
                child++;
            }
            if (!worse(x, heap[child], item)) {
                break;
            }
            heap[pos] = heap[child];
            pos = child;
        }
        heap[pos] = item;
    }
}
