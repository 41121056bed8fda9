package dev.spruce.bench.checkpoint;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.safetensors.SafetensorsFile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reading every tensor once through the mapped views vs {@code cat FILES > /dev/null}, in the
 * same run, alternating, after one untimed pass of each so both read from the page cache (the
 * machine's disk would otherwise dominate, and it is not what the loader controls).
 *
 * <p>Usage: {@code ReadThroughputBench DIR [repeats]}
 */
public final class ReadThroughputBench {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ReadThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (Checkpoint ck = Checkpoint.open(dir)) {
            List<String> cat = new ArrayList<>(List.of("cat"));
            for (SafetensorsFile f : ck.files()) {
                cat.add(f.path().toString());
            }
            long fileBytes = 0;
            for (SafetensorsFile f : ck.files()) {
                fileBytes += java.nio.file.Files.size(f.path());
            }
            readViews(ck);
            runCat(cat);
            double[] views = new double[repeats], cats = new double[repeats];
            long checksum = 0;
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                checksum ^= readViews(ck);
                views[i] = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                runCat(cat);
                cats[i] = (System.nanoTime() - t0) / 1e9;
            }
            Stats v = Stats.of(views), c = Stats.of(cats);
            System.out.printf(Locale.ROOT, "read every tensor of %s (%.2f GB tensors, %.2f GB files), %d repeats, page cache warm%n",
                    dir, ck.dataBytes() / 1e9, fileBytes / 1e9, repeats);
            System.out.printf(Locale.ROOT, "  views (1 thread): %s  -> %.2f GB/s median%n", v.format("s"), ck.dataBytes() / v.median() / 1e9);
            System.out.printf(Locale.ROOT, "  cat > /dev/null:  %s  -> %.2f GB/s median%n", c.format("s"), fileBytes / c.median() / 1e9);
            System.out.printf(Locale.ROOT, "  ratio cat time / views time (median): %.2f (>1: views faster)   [checksum %x]%n",
                    c.median() / v.median(), checksum);
        }
    }

    /** Touches every byte of every tensor (sums 8-byte words) so nothing can be skipped. */
    private static long readViews(Checkpoint ck) {
        long sum = 0;
        for (Tensor t : ck.tensors().values()) {
            MemorySegment s = t.data();
            long words = s.byteSize() / 8;
            long a = 0, b = 0;
            long i = 0;
            for (; i + 1 < words; i += 2) {
                a += s.get(LONG, i * 8);
                b += s.get(LONG, i * 8 + 8);
            }
            for (long j = i * 8; j < s.byteSize(); j++) {
                a += s.get(ValueLayout.JAVA_BYTE, j);
            }
            sum += a ^ b;
        }
        return sum;
    }

    private static void runCat(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cat failed");
        }
    }
}
