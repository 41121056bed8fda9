package dev.spruce.bench.checkpoint;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaWeights;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Time and heap to open a checkpoint and bind every weight to its config (issue 2's target for
 * a 13.5 GB llama2-7b: under 1 s and 200 MB of heap). The first open in a fresh JVM is reported
 * separately from the repeats, since it includes class loading and JIT warm-up.
 *
 * <p>Usage: {@code OpenCheckpointBench DIR [repeats]}
 */
public final class OpenCheckpointBench {

    private OpenCheckpointBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        double[] seconds = new double[repeats + 1];
        long heapHeld = 0;
        long bytes = 0;
        for (int i = 0; i <= repeats; i++) {
            long t0 = System.nanoTime();
            try (Checkpoint ck = Checkpoint.open(dir)) {
                LlamaWeights w = LlamaWeights.bind(ModelConfig.read(dir), ck);
                seconds[i] = (System.nanoTime() - t0) / 1e9;
                bytes = ck.dataBytes();
                if (i == 0) {
                    System.gc();
                    heapHeld = memory.getHeapMemoryUsage().getUsed() - heapBefore;
                    if (w.layers().isEmpty()) {
                        throw new AssertionError();
                    }
                }
            }
        }
        double[] warm = java.util.Arrays.copyOfRange(seconds, 1, seconds.length);
        System.out.printf(Locale.ROOT, "open+bind %s (%.1f GB of weights)%n", dir, bytes / 1e9);
        System.out.printf(Locale.ROOT, "  first open in a fresh JVM: %.3f s%n", seconds[0]);
        System.out.printf(Locale.ROOT, "  repeated opens:            %s%n", Stats.of(warm).format("s"));
        System.out.printf(Locale.ROOT, "  heap held while open:      %.1f MB (after GC)%n", heapHeld / 1e6);
        System.out.printf(Locale.ROOT, "  JVM heap in use at the end: %.1f MB%n", memory.getHeapMemoryUsage().getUsed() / 1e6);
    }
}
