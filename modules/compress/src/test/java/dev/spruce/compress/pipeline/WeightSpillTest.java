package dev.spruce.compress.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.WeightDtype;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightSpillTest {

    @TempDir
    Path tmp;

    @Test
    void matricesComeBackInTheirDtypeAndTheFileLeavesNoTrace() throws IOException {
        // more than one 1 MiB write chunk for the F32 matrix, odd sizes for the others
        float[] big = new float[300_001];
        for (int i = 0; i < big.length; i++) {
            big[i] = (i % 7 == 0) ? 0f : (float) Math.sin(i) * 3.7f;
        }
        float[] small = {0f, 1.00390625f, -2.5e-3f, 65504f, 0f, 3.14159f};
        Path file;
        try (WeightSpill spill = WeightSpill.create(tmp.resolve("sub"))) {
            file = spill.file();
            DenseMatrix f32 = spill.put("a", big, WeightDtype.F32, 1, big.length);
            DenseMatrix bf16 = spill.put("b", small, WeightDtype.BF16, 2, 3);
            DenseMatrix f16 = spill.put("c", small, WeightDtype.F16, 3, 2);
            assertArrayEquals(big, WeightSpill.toFloats(f32));
            float[] b = WeightSpill.toFloats(bf16);
            float[] h = WeightSpill.toFloats(f16);
            for (int i = 0; i < small.length; i++) {
                assertEquals(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(small[i])), b[i]);
                assertEquals(FloatFormats.f16ToFloat(FloatFormats.floatToF16(small[i])), h[i]);
            }
            assertEquals(0f, b[0]);
            assertEquals(0f, h[4]);
            assertEquals(List.of("a", "b", "c"), List.copyOf(spill.matrices().keySet()));
            assertEquals(big.length * 4L + 12 + 12, spill.size());
            assertThrows(IllegalArgumentException.class, () -> spill.put("a", small, WeightDtype.F32, 2, 3));
            assertThrows(IllegalArgumentException.class, () -> spill.put("d", small, WeightDtype.F32, 4, 3));
        }
        assertFalse(Files.exists(file));
        try (var left = Files.list(tmp.resolve("sub"))) {
            assertEquals(0, left.count(), "nothing left in the directory");
        }
    }
}
