package dev.spruce.compress.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.compress.prune.LinearStatistics;
import dev.spruce.compress.prune.MagnitudePruner;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.compress.prune.SparsityPattern;
import dev.spruce.compress.prune.WandaPruner;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LinearRole;
import dev.spruce.model.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on stories260K (5 blocks, hidden 64) with a few short seeded windows, checked
 * against the pruners applied by hand to activations the plain engine produces.
 */
class LayerwisePrunerTest {

    private static final int WINDOWS = 6;
    private static final int SEQLEN = 32;

    @TempDir
    Path tmp;

    private final List<WeightSpill> spills = new ArrayList<>();

    private WeightSpill spill() throws IOException {
        WeightSpill spill = WeightSpill.create(tmp);
        spills.add(spill);
        return spill;
    }

    @AfterEach
    void closeSpills() throws IOException {
        for (WeightSpill s : spills) {
            s.close();
            assertFalse(java.nio.file.Files.exists(s.file()), "the spill file is deleted on close");
        }
    }

    private static int[][] windows() {
        SplittableRandom r = new SplittableRandom(42);
        int[][] w = new int[WINDOWS][SEQLEN];
        for (int[] window : w) {
            window[0] = 1; // BOS
            for (int t = 1; t < SEQLEN; t++) {
                window[t] = 3 + r.nextInt(509);
            }
        }
        return w;
    }

    private static Engine open() throws IOException {
        return Engine.open(SharedData.stories260kHf(), new Engine.Options(1, KvCacheType.F32, 0, SEQLEN));
    }

    /** Inputs of {@code role} in every block, gathered by running the model as it now is over the windows. */
    private static Map<Integer, LinearStatistics> statisticsOfInputs(Engine engine, int[][] windows, LinearRole role) {
        Map<Integer, LinearStatistics> stats = new java.util.HashMap<>();
        engine.transformer().setObserver((layer, r, input, batch, features) -> {
            if (r == role) {
                stats.computeIfAbsent(layer, l -> LinearStatistics.create(features)).add(input, batch, features);
            }
        });
        for (int[] w : windows) {
            try (Session s = engine.newSession()) {
                s.forward(w, 0, w.length, false);
            }
        }
        engine.transformer().setObserver(null);
        return stats;
    }

    @Test
    void magnitudeEqualsThePrunerOnEachDenseMatrixAndErrorsAreHandCheckable() throws IOException {
        int[][] windows = windows();
        // dense block-0 q inputs, kept whole to compute the error by hand
        float[][] inputs = new float[WINDOWS][];
        try (Engine dense = open()) {
            int[] at = {0};
            dense.transformer().setObserver((layer, role, input, batch, features) -> {
                if (layer == 0 && role == LinearRole.Q) {
                    inputs[at[0]++] = Arrays.copyOf(input, batch * features);
                }
            });
            for (int[] w : windows) {
                try (Session s = dense.newSession()) {
                    s.forward(w, 0, w.length, false);
                }
            }
        }
        try (Engine engine = open(); Checkpoint source = Checkpoint.open(SharedData.stories260kHf())) {
            PipelineResult result = new LayerwisePruner(engine.transformer(),
                    PipelineOptions.of(PruneMethod.MAGNITUDE, new SparsityPattern.Unstructured(0.5)), Parallelism.SERIAL)
                    .run(windows, spill(), WriteProgress.NONE);
            assertEquals(5, result.blocks().size());
            for (BlockReport b : result.blocks()) {
                assertEquals(7, b.linears().size());
                for (LinearReport l : b.linears()) {
                    float[] expected = source.tensor(l.tensor()).toFloatArray();
                    new MagnitudePruner().prune(expected, l.rows(), l.cols(), new SparsityPattern.Unstructured(0.5));
                    assertArrayEquals(expected, result.floats(l.tensor()), l.tensor());
                    assertTrue(l.relativeError() > 0 && l.relativeError() < 1, l.toString());
                }
            }
            // ‖WX − ŴX‖ / ‖WX‖ of block 0's q_proj, by hand over the same inputs
            String name = "model.layers.0.self_attn.q_proj.weight";
            float[] w = source.tensor(name).toFloatArray();
            float[] p = result.floats(name);
            double diff = 0;
            double ref = 0;
            for (float[] x : inputs) {
                for (int t = 0; t < SEQLEN; t++) {
                    for (int r = 0; r < 64; r++) {
                        double y = 0;
                        double yp = 0;
                        for (int c = 0; c < 64; c++) {
                            y += (double) w[r * 64 + c] * x[t * 64 + c];
                            yp += (double) p[r * 64 + c] * x[t * 64 + c];
                        }
                        diff += (y - yp) * (y - yp);
                        ref += y * y;
                    }
                }
            }
            double q0 = result.blocks().get(0).linears().get(0).relativeError();
            assertEquals(Math.sqrt(diff / ref), q0, 1e-4, "relative error of block 0 q_proj");
        }
    }

    @Test
    void eachBlockIsCalibratedOnThePrunedBlocksBeforeIt() throws IOException {
        int[][] windows = windows();
        try (Engine engine = open(); Checkpoint source = Checkpoint.open(SharedData.stories260kHf())) {
            PipelineResult result = new LayerwisePruner(engine.transformer(),
                    PipelineOptions.of(PruneMethod.WANDA, new SparsityPattern.Unstructured(0.5)).withChunk(SEQLEN),
                    Parallelism.SERIAL).run(windows, spill(), WriteProgress.NONE);
            // the model now runs the pruned blocks: q's input in block L comes from pruned blocks 0..L-1
            Map<Integer, LinearStatistics> pruned = statisticsOfInputs(engine, windows, LinearRole.Q);
            for (int layer = 0; layer < 5; layer++) {
                String name = "model.layers." + layer + ".self_attn.q_proj.weight";
                float[] expected = source.tensor(name).toFloatArray();
                WandaPruner.standard().prune(expected, 64, 64, new SparsityPattern.Unstructured(0.5), pruned.get(layer));
                assertArrayEquals(expected, result.floats(name), name);
                for (LinearReport l : result.blocks().get(layer).linears()) {
                    assertEquals(0.5, l.sparsity(), 0.0, l.tensor() + ": Wanda keeps exactly half of every row");
                }
            }
        }
        // and not on the dense model's activations: block 4's mask differs from the one they give
        try (Engine dense = open(); Checkpoint source = Checkpoint.open(SharedData.stories260kHf())) {
            Map<Integer, LinearStatistics> stats = statisticsOfInputs(dense, windows, LinearRole.Q);
            float[] w = source.tensor("model.layers.4.self_attn.q_proj.weight").toFloatArray();
            float[] fromDense = w.clone();
            WandaPruner.standard().prune(fromDense, 64, 64, new SparsityPattern.Unstructured(0.5), stats.get(4));
            try (Engine again = open()) {
                PipelineResult result = new LayerwisePruner(again.transformer(),
                        PipelineOptions.of(PruneMethod.WANDA, new SparsityPattern.Unstructured(0.5)), Parallelism.SERIAL)
                        .run(windows, spill(), WriteProgress.NONE);
                assertFalse(Arrays.equals(fromDense, result.floats("model.layers.4.self_attn.q_proj.weight")));
            }
        }
    }

    @Test
    void dsnotModesAndNmPatternKeepTheRequestedSparsityExactly() throws IOException {
        int[][] windows = windows();
        for (DsnotMode mode : DsnotMode.values()) {
            try (Engine engine = open()) {
                PipelineResult result = new LayerwisePruner(engine.transformer(),
                        PipelineOptions.of(PruneMethod.WANDA, new SparsityPattern.NM(2, 4)).withDsnot(mode),
                        Parallelism.SERIAL).run(windows, spill(), WriteProgress.NONE);
                for (BlockReport b : result.blocks()) {
                    for (LinearReport l : b.linears()) {
                        assertEquals(mode.applies(l.role()), l.dsnot(), l.tensor());
                        float[] w = result.floats(l.tensor());
                        for (int g = 0; g < w.length; g += 4) {
                            int zeros = 0;
                            for (int k = 0; k < 4; k++) {
                                zeros += w[g + k] == 0f ? 1 : 0;
                            }
                            assertTrue(zeros >= 2, l.tensor() + " group at " + g);
                        }
                    }
                }
            }
        }
    }

    @Test
    void patternThatDoesNotFitIsRefusedBeforeAnyWork() throws IOException {
        try (Engine engine = open()) {
            // MLP width 172 is a multiple of 4 but not of 8 ... and hidden 64 is: 4:8 fails on down_proj
            LayerwisePruner p = new LayerwisePruner(engine.transformer(),
                    PipelineOptions.of(PruneMethod.WANDA, new SparsityPattern.NM(4, 8)), Parallelism.SERIAL);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::validate);
            assertTrue(e.getMessage().contains("down_proj") && e.getMessage().contains("172"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> PipelineOptions.of(PruneMethod.WANDA,
                    new SparsityPattern.NM(2, 4)).withPlan(LayerPlan.OWL));
        }
    }

    @Test
    void writtenCheckpointHasTheSourceTensorsWithExactZeros() throws IOException {
        int[][] windows = windows();
        Path out = tmp.resolve("pruned");
        try (Engine engine = open()) {
            PipelineOptions o = PipelineOptions.of(PruneMethod.SPARSEGPT, new SparsityPattern.Unstructured(0.5));
            PipelineResult result = new LayerwisePruner(engine.transformer(), o, Parallelism.SERIAL)
                    .run(windows, spill(), WriteProgress.NONE);
            PrunedCheckpointWriter.write(engine.model().checkpoint(), result.weights(), out, false,
                    JsonNodeFactory.instance.objectNode().put("method", "sparsegpt"), Map.of("prune-report.md",
                            "# report\n".getBytes()), WriteProgress.NONE);
            try (Checkpoint written = Checkpoint.open(out); Checkpoint source = Checkpoint.open(SharedData.stories260kHf())) {
                assertEquals(source.tensors().keySet(), written.tensors().keySet());
                for (Tensor t : source.tensors().values()) {
                    Tensor u = written.tensor(t.name());
                    assertEquals(t.dtype(), u.dtype());
                    assertEquals(t.shape(), u.shape());
                    float[] expected = result.weights().containsKey(t.name()) ? result.floats(t.name()) : t.toFloatArray();
                    assertArrayEquals(expected, u.toFloatArray(), t.name());
                }
                EnumMap<LinearRole, Double> seen = new EnumMap<>(LinearRole.class);
                for (LinearReport l : result.blocks().get(0).linears()) {
                    seen.put(l.role(), (double) written.tensor(l.tensor()).countZeros() / (l.rows() * l.cols()));
                    assertEquals(l.sparsity(), seen.get(l.role()), 0.0);
                    assertTrue(l.sparsity() >= 0.5, l.toString());
                }
            }
            assertTrue(java.nio.file.Files.isRegularFile(out.resolve("tok512.bin")));
            assertTrue(java.nio.file.Files.isRegularFile(out.resolve("config.json")));
            assertTrue(java.nio.file.Files.isRegularFile(out.resolve("spruce.json")));
        }
    }
}
