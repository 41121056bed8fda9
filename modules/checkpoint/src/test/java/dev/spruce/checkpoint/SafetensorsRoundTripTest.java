package dev.spruce.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import dev.spruce.checkpoint.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsRoundTripTest {

    @TempDir
    Path tmp;

    /** One tensor of every typed dtype, with random bytes. */
    private static Map<String, byte[]> randomTensors(List<TensorSpec> specs, long seed) {
        Random rnd = new Random(seed);
        Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
        for (TensorSpec s : specs) {
            byte[] b = new byte[(int) s.byteSize()];
            rnd.nextBytes(b);
            if (s.dtype() == DType.BOOL) {
                for (int i = 0; i < b.length; i++) {
                    b[i] &= 1;
                }
            }
            bytes.put(s.name(), b);
        }
        return bytes;
    }

    private static List<TensorSpec> allDtypes() {
        List<TensorSpec> specs = new ArrayList<>();
        int i = 0;
        for (DType d : List.of(DType.F32, DType.F16, DType.BF16, DType.F64, DType.I8, DType.U8, DType.I16,
                DType.I32, DType.I64, DType.BOOL)) {
            specs.add(TensorSpec.of("t" + (i++) + "." + d.name().toLowerCase(), d, 3, 5 + i));
        }
        specs.add(TensorSpec.of("scalar", DType.F32));
        specs.add(TensorSpec.of("empty", DType.F32, 0, 4));
        return specs;
    }

    private static void write(Path dir, List<TensorSpec> specs, Map<String, byte[]> bytes, long shardBytes) throws IOException {
        try (CheckpointWriter w = CheckpointWriter.create(dir, false)) {
            w.writeTensors(specs, (spec, target) -> MemorySegment.copy(MemorySegment.ofArray(bytes.get(spec.name())), 0,
                    target, 0, spec.byteSize()), shardBytes, WriteProgress.NONE);
            w.commit();
        }
    }

    @Test
    void roundTripIsByteIdenticalForEveryDtype() throws IOException {
        List<TensorSpec> specs = allDtypes();
        Map<String, byte[]> bytes = randomTensors(specs, 42);
        write(tmp.resolve("ckpt"), specs, bytes, CheckpointWriter.DEFAULT_SHARD_BYTES);
        try (Checkpoint c = Checkpoint.open(tmp.resolve("ckpt"))) {
            assertEquals(specs.size(), c.tensors().size());
            for (TensorSpec s : specs) {
                Tensor t = c.tensor(s.name());
                assertEquals(s.dtype(), t.dtype(), s.name());
                assertEquals(s.shape(), t.shape(), s.name());
                assertArrayEquals(bytes.get(s.name()), t.data().toArray(ValueLayout.JAVA_BYTE), s.name());
            }
            // read → write → read again
            write(tmp.resolve("copy"), specs, bytes, CheckpointWriter.DEFAULT_SHARD_BYTES);
            try (Checkpoint d = Checkpoint.open(tmp.resolve("copy"))) {
                for (TensorSpec s : specs) {
                    assertEquals(-1, c.tensor(s.name()).data().mismatch(d.tensor(s.name()).data()), s.name());
                }
            }
        }
        assertArrayEquals(Files.readAllBytes(tmp.resolve("ckpt/model.safetensors")),
                Files.readAllBytes(tmp.resolve("copy/model.safetensors")), "writing is deterministic");
    }

    @Test
    void typedAccessorsDecodeLittleEndianValues() throws IOException {
        List<TensorSpec> specs = List.of(TensorSpec.of("f", DType.F32, 2), TensorSpec.of("b", DType.BF16, 2),
                TensorSpec.of("h", DType.F16, 2), TensorSpec.of("d", DType.F64, 1), TensorSpec.of("u", DType.U8, 1),
                TensorSpec.of("i", DType.I16, 1), TensorSpec.of("flag", DType.BOOL, 2));
        ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3FC0).putShort((short) 0xC000);
        ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3E00).putShort((short) 0x0000);
        ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25);
        Map<String, byte[]> bytes = Map.of("f", f.array(), "b", b.array(), "h", h.array(), "d", d.array(),
                "u", new byte[] {(byte) 200}, "i", new byte[] {(byte) 0xFE, (byte) 0xFF}, "flag", new byte[] {0, 1});
        write(tmp.resolve("c"), specs, bytes, CheckpointWriter.DEFAULT_SHARD_BYTES);
        try (Checkpoint c = Checkpoint.open(tmp.resolve("c"))) {
            assertEquals(1.5f, c.tensor("f").floatAt(0));
            assertEquals(-2f, c.tensor("f").floatAt(1));
            assertEquals(1.5f, c.tensor("b").floatAt(0));
            assertEquals(-2f, c.tensor("b").floatAt(1));
            assertEquals(1.5f, c.tensor("h").floatAt(0));
            assertEquals(0.25, c.tensor("d").doubleAt(0));
            assertEquals(200, c.tensor("u").longAt(0));
            assertEquals(-2, c.tensor("i").longAt(0));
            assertFalse(c.tensor("flag").booleanAt(0));
            assertTrue(c.tensor("flag").booleanAt(1));
            assertEquals(1, c.tensor("h").countZeros());
            assertArrayEquals(new float[] {1.5f, -2f}, c.tensor("b").toFloatArray());
            assertThrows(UnsupportedOperationException.class, () -> c.tensor("u").floatAt(0));
            assertThrows(IndexOutOfBoundsException.class, () -> c.tensor("f").floatAt(2));
        }
    }

    @Test
    void headerIsPaddedWithSpacesAndCarriesFormatPt() throws IOException {
        List<TensorSpec> specs = List.of(TensorSpec.of("a", DType.F32, 3));
        write(tmp.resolve("c"), specs, randomTensors(specs, 1), CheckpointWriter.DEFAULT_SHARD_BYTES);
        byte[] file = Files.readAllBytes(tmp.resolve("c/model.safetensors"));
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(file, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        assertTrue(header.stripTrailing().endsWith("}"));
        try (SafetensorsFile sf = SafetensorsFile.open(tmp.resolve("c/model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), sf.metadata());
        }
    }

    @Test
    void shardsFollowHuggingFaceNamingAndIndex() throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            specs.add(TensorSpec.of("layer." + i + ".weight", DType.F32, 10, 10));  // 400 bytes each
        }
        Map<String, byte[]> bytes = randomTensors(specs, 7);
        Path dir = tmp.resolve("sharded");
        write(dir, specs, bytes, 1000);  // two tensors per shard
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                            "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
                            "model.safetensors.index.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        assertEquals(2800, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00004-of-00004.safetensors", index.get("weight_map").get("layer.6.weight").asText());
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(4, c.files().size());
            for (TensorSpec s : specs) {
                assertArrayEquals(bytes.get(s.name()), c.tensor(s.name()).data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void jlamaReadsWhatWeWrite() throws Exception {
        List<TensorSpec> specs = List.of(TensorSpec.of("w.f32", DType.F32, 4, 6), TensorSpec.of("w.bf16", DType.BF16, 4, 6),
                TensorSpec.of("w.f16", DType.F16, 4, 6));
        Map<String, byte[]> bytes = randomTensors(specs, 3);
        // finite values only: random bit patterns may be NaN, which never compare equal
        bytes.replaceAll((name, b) -> finite(specs.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(), b));
        Path dir = tmp.resolve("jlama");
        write(dir, specs, bytes, CheckpointWriter.DEFAULT_SHARD_BYTES);
        try (Checkpoint ours = Checkpoint.open(dir); WeightLoader theirs = SafeTensorSupport.loadWeights(dir.toFile())) {
            assertEquals(3, theirs.tensorInfoMap().size());
            for (TensorSpec s : specs) {
                AbstractTensor t = theirs.load(s.name());
                Tensor mine = ours.tensor(s.name());
                assertEquals(2, t.shape().dims());
                assertEquals(4, t.shape().dim(0));
                assertEquals(6, t.shape().dim(1));
                for (int r = 0; r < 4; r++) {
                    for (int col = 0; col < 6; col++) {
                        assertEquals(mine.floatAt(r * 6L + col), t.get(r, col), 0f, s.name() + "[" + r + "," + col + "]");
                    }
                }
            }
        }
    }

    private static byte[] finite(TensorSpec s, byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < s.shape().numel(); i++) {
            switch (s.dtype()) {
                case F32 -> buf.putFloat(i * 4, (float) ((i * 37 % 19) - 9) / 8f);
                default -> buf.putShort(i * 2, (short) (buf.getShort(i * 2) & 0xBFFF));  // exponent top bit clear: finite
            }
        }
        return b;
    }

    @Test
    void interruptedWriteLeavesNothingThatLooksLikeACheckpoint() throws IOException {
        List<TensorSpec> specs = List.of(TensorSpec.of("a", DType.F32, 4), TensorSpec.of("b", DType.F32, 4));
        Path dir = tmp.resolve("out");
        IOException e = assertThrows(IOException.class, () -> {
            try (CheckpointWriter w = CheckpointWriter.create(dir, false)) {
                w.writeBytes("config.json", "{}".getBytes());
                w.writeTensors(specs, (spec, target) -> {
                    if (spec.name().equals("b")) {
                        throw new IOException("disk full");
                    }
                }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
                w.commit();
            }
        });
        assertEquals("disk full", e.getMessage());
        assertFalse(Files.exists(dir), "the directory the writer created is removed");
    }

    @Test
    void refusesNonEmptyOutputUnlessForced() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(dir.resolve("model-00001-of-00002.safetensors"), "stale");
        assertThrows(OutputExistsException.class, () -> CheckpointWriter.create(dir, false));
        List<TensorSpec> specs = List.of(TensorSpec.of("a", DType.F32, 4));
        try (CheckpointWriter w = CheckpointWriter.create(dir, true)) {
            w.writeTensors(specs, (s, t) -> { }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
            w.commit();
        }
        assertFalse(Files.exists(dir.resolve("model-00001-of-00002.safetensors")), "stale shard removed");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(0, c.tensor("a").floatAt(3));
        }
    }
}
