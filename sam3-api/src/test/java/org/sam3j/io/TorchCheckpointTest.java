package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.io.TorchZipBuilder.Pickle;
import org.sam3j.testing.SharedData;

/** {@link TorchCheckpoint} on the fixture checkpoints and on hand-built archives. */
class TorchCheckpointTest {
    private static final String QKV_BIAS = "detector.backbone.vision_backbone.trunk.blocks.0.attn.qkv.bias";
    private static final String FREQS = "detector.backbone.vision_backbone.trunk.blocks.0.attn.freqs_cis";

    private static Path readerTest;
    private static JsonNode expected;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        readerTest = SharedData.resolve("fixtures/checkpoints/reader_test.pt");
        expected = new ObjectMapper().readTree(SharedData.resolve("fixtures/checkpoints/reader_test.json").toFile());
    }

    // ---------------------------------------------------------------- the fixture checkpoint

    @Test
    void everyTensorOfTheFixtureHasItsDtypeShapeAndFirstValues() throws IOException {
        JsonNode tensors = expected.get("tensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            Set<String> names = new LinkedHashSet<>();
            tensors.fieldNames().forEachRemaining(names::add);
            assertEquals(names, ckpt.names(), "tensor names (in file order)");
            assertEquals(14, names.size());
            for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode spec = e.getValue();
                DType dtype = torchDtype(spec.get("dtype").asText());
                long[] shape = longs(spec.get("shape"));
                assertEquals(dtype, ckpt.dtype(name), name);
                assertArrayEquals(shape, ckpt.shape(name), name);
                StoredTensor t = ckpt.tensor(name);
                assertEquals(name, t.name());
                assertEquals(dtype, t.dtype(), name);
                assertArrayEquals(shape, t.shape(), name);
                assertEquals(StoredTensor.numel(shape) * dtype.byteSize(), t.bytes().remaining(), name);
                JsonNode first = spec.get("first");
                for (int i = 0; i < first.size(); i++) {
                    assertEquals(first.get(i).asDouble(), element(t, i), 0.0, name + "[" + i + "]");
                }
            }
        }
    }

    /**
     * Element i of a tensor as the json lists it: exact doubles for F64, integers for I64/BOOL, and for
     * complex64 the real part (the json lists {@code x.real}; interleaving is checked separately).
     */
    private static double element(StoredTensor t, int i) {
        ByteBuffer b = t.bytes();
        switch (t.dtype()) {
            case F64: return b.getDouble(i * 8);
            case I64:
            case BOOL: return t.toLongs()[i];
            case C64: return t.toFloats()[2 * i];
            default: return t.toFloats()[i];
        }
    }

    @Test
    void extrasHoldTheNonTensorTopLevelEntries() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            assertEquals("model", ckpt.stateDictKey());
            assertEquals(Map.of("epoch", 7L, "note", "reader test"), ckpt.extras());
            assertEquals(expected.get("epoch").asLong(), ckpt.extras().get("epoch"));
            assertEquals(List.of("epoch", "note"), new ArrayList<>(ckpt.extras().keySet()));
            assertFalse(ckpt.contains("epoch"));
            assertTrue(ckpt.contains(QKV_BIAS));
        }
    }

    @Test
    void viewsSharingOneStorageAreMaterialisedRowMajor() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            float[] base = ckpt.tensor("test.base").toFloats();
            float[] slice = ckpt.tensor("test.slice_rows_1_3").toFloats();
            float[] transposed = ckpt.tensor("test.transposed").toFloats();
            for (int i = 0; i < 24; i++) {
                assertEquals(i, base[i], 0f, "base[" + i + "]");
            }
            for (int i = 0; i < 12; i++) {
                assertEquals(6 + i, slice[i], 0f, "slice[" + i + "]");
            }
            // transposed [6,4]: element (i, j) = base[j][i] = 6 j + i
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(6 * j + i, transposed[i * 4 + j], 0f, "transposed[" + i + "][" + j + "]");
                }
            }
            assertArrayEquals(new float[] {0, 6, 12, 18}, java.util.Arrays.copyOf(transposed, 4));
        }
    }

    @Test
    void scalarBoolAndIntegerTensors() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            StoredTensor s = ckpt.tensor("test.scalar");
            assertEquals(0, s.rank());
            assertEquals(1, s.numel());
            assertEquals(3.5f, s.toFloats()[0], 0f);
            assertArrayEquals(new long[] {1, 0, 1}, ckpt.tensor("test.bool").toLongs());
            assertArrayEquals(new long[] {-3, -2, -1, 0, 1, 2, 3}, ckpt.tensor("test.i64").toLongs());
            ByteBuffer f64 = ckpt.tensor("test.f64").bytes();
            for (int i = 0; i < 7; i++) {
                assertEquals(-1.0 + i / 3.0, f64.getDouble(i * 8), 1e-15);
            }
        }
    }

    @Test
    void complex64IsInterleavedRealImaginary() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            StoredTensor t = ckpt.tensor(FREQS);
            assertEquals(DType.C64, t.dtype());
            float[] v = t.toFloats();
            assertEquals(576 * 16 * 2, v.length);
            // Row 0 is position (0, 0): every entry is 1 + 0i.
            for (int k = 0; k < 16; k++) {
                assertEquals(1f, v[2 * k], 0f);
                assertEquals(0f, v[2 * k + 1], 0f);
            }
            // Row 1 is x = 1: entry k < 4 is exp(i * theta^(-k/16)) with theta = 10000.
            for (int k = 0; k < 4; k++) {
                double angle = Math.pow(10000, -k / 16.0);
                assertEquals(Math.cos(angle), v[2 * (16 + k)], 1e-6, "re[1][" + k + "]");
                assertEquals(Math.sin(angle), v[2 * (16 + k) + 1], 1e-6, "im[1][" + k + "]");
            }
            for (int i = 0; i < v.length; i += 2) {
                assertEquals(1.0, Math.hypot(v[i], v[i + 1]), 1e-6, "|freqs_cis| at " + i / 2);
            }
        }
    }

    @Test
    void syntheticWeightTensorsFollowTheSyntheticRuleEverywhere() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            for (String name : List.of("detector.backbone.vision_backbone.trunk.blocks.0.norm1.weight", QKV_BIAS,
                    "detector.backbone.vision_backbone.trunk.blocks.0.attn.proj.weight",
                    "tracker.sam_prompt_encoder.pe_layer.positional_encoding_gaussian_matrix")) {
                StoredTensor t = ckpt.tensor(name);
                float[] want = synthetic(name, t.shape());
                assertArrayEquals(want, t.toFloats(), 0f, name);
            }
            // test.bf16 and test.f16 are the qkv bias rounded to nearest even.
            float[] bias = synthetic(QKV_BIAS, new long[] {3072});
            float[] bf16 = ckpt.tensor("test.bf16").toFloats();
            float[] f16 = ckpt.tensor("test.f16").toFloats();
            for (int i = 0; i < bias.length; i++) {
                int bits = Float.floatToRawIntBits(bias[i]);
                int rne = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
                assertEquals(Float.intBitsToFloat(rne), bf16[i], 0f, "bf16[" + i + "]");
                assertEquals(bias[i], f16[i], Math.abs(bias[i]) * 0x1p-11 + 0x1p-25, "f16[" + i + "]");
            }
        }
    }

    /** The synthetic-weight rule of spec/synthetic-weights.md (pinned by SyntheticWeightsTest). */
    static float[] synthetic(String name, long[] shape) {
        float[] out = new float[(int) StoredTensor.numel(shape)];
        org.sam3j.weights.SyntheticWeights.fill(name, shape, out);
        return out;
    }

    @Test
    void contiguousTensorsAreMappedNotCopied() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest)) {
            assertTrue(ckpt.tensor(QKV_BIAS).bytes().isDirect(), "a stored contiguous tensor is a file mapping");
            assertTrue(ckpt.tensor("test.slice_rows_1_3").bytes().isDirect(), "an offset row slice is contiguous");
            assertFalse(ckpt.tensor("test.transposed").bytes().isDirect(), "a transposed view is materialised");
        }
    }

    @Test
    void unknownNameAndClosedCheckpointAreReported() throws IOException {
        TorchCheckpoint ckpt = TorchCheckpoint.open(readerTest);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ckpt.tensor("nope"));
        assertTrue(e.getMessage().contains("nope"));
        ckpt.close();
        assertThrows(IllegalStateException.class, () -> ckpt.tensor(QKV_BIAS));
    }

    // ---------------------------------------------------------------- safety

    @Test
    void maliciousGlobalIsRefusedByName() {
        Path file = SharedData.resolve("fixtures/checkpoints/malicious_global.pt");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("'posix.system'"), e.getMessage());
        assertTrue(e.getMessage().contains("allowlist"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void maliciousGlobalIsRefusedAtLookupBeforeAnyCall() throws IOException {
        // Run the pickle of malicious_global.pt with a resolver that records every call request.
        Path file = SharedData.resolve("fixtures/checkpoints/malicious_global.pt");
        byte[] pkl;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            pkl = z.getInputStream(z.getEntry("malicious_global/data.pkl")).readAllBytes();
        }
        TorchUnpickler allow = new TorchUnpickler("test", key -> 8);
        List<String> calls = new ArrayList<>();
        List<String> globals = new ArrayList<>();
        PickleReader.Resolver recording = new PickleReader.Resolver() {
            @Override
            public Object global(String module, String name) throws CheckpointFormatException {
                globals.add(module + "." + name);
                return allow.global(module, name);
            }

            @Override
            public Object reduce(Object callable, List<Object> args) throws CheckpointFormatException {
                calls.add(String.valueOf(callable));
                return allow.reduce(callable, args);
            }

            @Override
            public Object newObject(Object cls, List<Object> args) throws CheckpointFormatException {
                calls.add("new " + cls);
                return allow.newObject(cls, args);
            }

            @Override
            public Object build(Object obj, Object state) throws CheckpointFormatException {
                return allow.build(obj, state);
            }

            @Override
            public Object persistentLoad(Object pid) throws CheckpointFormatException {
                return allow.persistentLoad(pid);
            }
        };
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> PickleReader.load(pkl, "malicious", recording));
        assertTrue(e.getMessage().contains("refusing pickle global 'posix.system'"), e.getMessage());
        assertEquals("posix.system", globals.get(globals.size() - 1), "interpretation stops at the global");
        assertEquals(List.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2"), calls,
                "only allowlisted constructors were ever asked for");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtins.eval", "os.system", "subprocess.Popen", "torch.load", "torch._utils.foo",
            "collections.defaultdict", "numpy.core.multiarray._reconstruct", "torch.nn.modules.linear.Linear"})
    void otherGlobalsAreRefused(String qualified, @TempDir Path dir) throws IOException {
        int dot = qualified.lastIndexOf('.');
        byte[] pkl = new Pickle().proto(2).dict().str("x")
                .global(qualified.substring(0, dot), qualified.substring(dot + 1))
                .str("arg").op(0x85).reduce().setitem().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).write(dir.resolve("g.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("'" + qualified + "'"), e.getMessage());
    }

    @Test
    void stackGlobalIsCheckedToo() throws IOException {
        byte[] pkl = new Pickle().proto(4).dict().memoize().stackGlobal("builtins", "exec").stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).write(tmp.resolve("sg.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("'builtins.exec'"), e.getMessage());
    }

    @Test
    void allowlistedClassesCannotBeCalledArbitrarily() throws IOException {
        // Calling a storage class is not a data constructor.
        byte[] pkl = new Pickle().proto(2).global("torch", "FloatStorage").str("x").op(0x85).reduce().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).write(tmp.resolve("call.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("refusing to call 'torch.FloatStorage'"), e.getMessage());
        // INST/OBJ instantiate classes by name.
        byte[] inst = new Pickle().proto(2).mark().raw("ios\nsystem\n".getBytes(StandardCharsets.US_ASCII)).stop().bytes();
        Path file2 = new TorchZipBuilder().pickle(inst).write(tmp.resolve("inst.pt"));
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file2));
        assertTrue(e.getMessage().contains("INST"), e.getMessage());
    }

    // ---------------------------------------------------------------- broken files

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 21, 30, 100, 1000, 1600, 5000, 2_000_000, -1000, -100, -23, -22, -21, -1})
    void truncatedCopiesAreRejected(long cut) throws IOException {
        byte[] all = Files.readAllBytes(readerTest);
        int len = (int) (cut > 0 ? cut : all.length + cut);
        Path file = tmp.resolve("cut" + len + ".pt");
        Files.write(file, java.util.Arrays.copyOf(all, len));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> readEverything(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aCorruptByteInTensorDataIsDetected() throws IOException {
        byte[] all = Files.readAllBytes(readerTest);
        all[all.length / 2] ^= 0x10; // inside the 4 MiB proj.weight storage
        Path file = tmp.resolve("middle.pt");
        Files.write(file, all);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertEquals(14, ckpt.names().size());
            ckpt.tensor(QKV_BIAS); // other storages are fine
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> ckpt.tensor("detector.backbone.vision_backbone.trunk.blocks.0.attn.proj.weight"));
            assertTrue(e.getMessage().contains("CRC"), e.getMessage());
            assertTrue(e.getMessage().contains("reader_test/data/2"), e.getMessage());
        }
    }

    @Test
    void aCorruptByteInThePickleIsDetected() throws IOException {
        byte[] all = Files.readAllBytes(readerTest);
        all[300] ^= 0x01; // inside data.pkl (the first entry)
        Path file = tmp.resolve("pickle.pt");
        Files.write(file, all);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("data.pkl") && e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void corruptHeadersAndDirectoryNeverEscapeAsUncheckedExceptions() throws IOException {
        // Every byte of the first local header and of the central directory + end record, flipped in
        // place in one copy of the fixture (and restored after each attempt).
        byte[] all = Files.readAllBytes(readerTest);
        Path file = Files.write(tmp.resolve("flip.pt"), all);
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < 64; i++) positions.add(i);
        for (int i = all.length - 1400; i < all.length; i++) positions.add(i);
        int rejected = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int p : positions) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (all[p] ^ 0xA5)}), p);
                if (!survives(file, "byte " + p)) rejected++;
                ch.write(ByteBuffer.wrap(new byte[] {all[p]}), p);
            }
        }
        assertTrue(survives(file, "restored"));
        assertTrue(rejected > positions.size() / 4, "most structural corruption is noticed: " + rejected);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everySingleByteCorruptionOfASmallCheckpointIsHandled() throws IOException {
        byte[] good = smallCheckpoint(false);
        byte[] goodDeflated = smallCheckpoint(true);
        Path file = tmp.resolve("fuzz.pt");
        for (byte[] base : List.of(good, goodDeflated)) {
            Files.write(file, base);
            assertTrue(survives(file, "unmodified"));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int p = 0; p < base.length; p++) {
                    for (int x : new int[] {0x01, 0xFF}) {
                        ch.write(ByteBuffer.wrap(new byte[] {(byte) (base[p] ^ x)}), p);
                        survives(file, "byte " + p + " ^ " + x);
                    }
                    ch.write(ByteBuffer.wrap(new byte[] {base[p]}), p);
                }
            }
            assertTrue(survives(file, "restored"));
            for (int len = 0; len < base.length; len += 7) {
                Files.write(file, java.util.Arrays.copyOf(base, len));
                assertFalse(survives(file, "cut at " + len), "cut at " + len);
            }
        }
    }

    @Test
    void aPickleCorruptedAnywhereIsAFormatError() throws IOException {
        // The pickle of the fixture, fed to the interpreter directly (bypassing the CRC): every byte
        // flipped, and every truncation, must give a result or a CheckpointFormatException.
        byte[] pkl;
        Map<String, Long> sizes = new java.util.HashMap<>();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(readerTest.toFile())) {
            pkl = z.getInputStream(z.getEntry("reader_test/data.pkl")).readAllBytes();
            z.stream().filter(e -> e.getName().startsWith("reader_test/data/"))
                    .forEach(e -> sizes.put(e.getName().substring("reader_test/data/".length()), e.getSize()));
        }
        TorchUnpickler.StorageSizes lookup = key -> sizes.getOrDefault(key, -1L);
        assertTrue(PickleReader.load(pkl, "ok", new TorchUnpickler("ok", lookup)) instanceof Map);
        for (int p = 0; p < pkl.length; p++) {
            for (int x : new int[] {0x01, 0x40, 0xFF}) {
                byte[] copy = pkl.clone();
                copy[p] ^= (byte) x;
                try {
                    PickleReader.load(copy, "fuzz", new TorchUnpickler("fuzz", lookup));
                } catch (CheckpointFormatException expectedFailure) {
                    // fine
                } catch (RuntimeException e) {
                    fail("byte " + p + " ^ " + x + ": " + e, e);
                }
            }
        }
        for (int len = 0; len < pkl.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(pkl, len);
            assertThrows(CheckpointFormatException.class,
                    () -> PickleReader.load(cut, "cut", new TorchUnpickler("cut", lookup)), "cut at " + len);
        }
    }

    /** Opens and reads every tensor; true if that worked, false on a CheckpointFormatException. */
    private static boolean survives(Path file, String what) {
        try {
            readEverything(file);
            return true;
        } catch (CheckpointFormatException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(file.toString()),
                    what + ": message names the file: " + e.getMessage());
            return false;
        } catch (Exception | Error e) {
            fail(what + ": " + e, e);
            return false;
        }
    }

    private static void readEverything(Path file) throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            for (String name : ckpt.names()) {
                StoredTensor t = ckpt.tensor(name);
                t.toFloats();
            }
        }
    }

    @Test
    void notAZipFileIsRejectedClearly() throws IOException {
        Path text = Files.writeString(tmp.resolve("text.pt"), "hello, this is not a checkpoint\n");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(text));
        assertTrue(e.getMessage().contains("not a zip archive") && e.getMessage().contains("1.6"), e.getMessage());
        assertTrue(e.getMessage().contains(text.toString()), e.getMessage());

        // Legacy torch.save: a pickle (magic number 0x1950a86a20f9469cfc6c) instead of a zip.
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
                0x6a, (byte) 0xa8, 0x50, 0x19, '.'};
        Path old = Files.write(tmp.resolve("legacy.pt"), legacy);
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(old));
        assertTrue(e.getMessage().contains("legacy") && e.getMessage().contains("1.6"), e.getMessage());

        Path empty = Files.write(tmp.resolve("empty.pt"), new byte[0]);
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(empty));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        Path st = SharedData.resolve("fixtures/sam3/tiny/truck.safetensors");
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(st));
        assertTrue(e.getMessage().contains("safetensors"), e.getMessage());

        // A zip that is not a checkpoint.
        Path zip = tmp.resolve("other.zip");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            z.write("hi".getBytes(StandardCharsets.US_ASCII));
        }
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(zip));
        assertTrue(e.getMessage().contains("data.pkl"), e.getMessage());

        assertThrows(java.nio.file.NoSuchFileException.class, () -> TorchCheckpoint.open(tmp.resolve("missing.pt")));
    }

    // ---------------------------------------------------------------- hand-built archives

    /** {"model": {"w": F32[2,3], "b": F32[3] (offset 6 of the same storage), "t": w transposed}, "step": 3}. */
    private static byte[] smallCheckpoint(boolean deflate) throws IOException {
        Pickle p = new Pickle().proto(2).dict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .str("w").tensor("FloatStorage", "0", 9, 0, new long[] {2, 3}, new long[] {3, 1})
                .str("b").tensor("FloatStorage", "0", 9, 6, new long[] {3}, new long[] {1})
                .str("t").tensor("FloatStorage", "0", 9, 0, new long[] {3, 2}, new long[] {1, 3})
                .str("h").tensor("HalfStorage", "1", 2, 0, new long[] {2}, new long[] {1})
                .setitems().str("step").integer(3).setitems().stop();
        return new TorchZipBuilder().deflate(deflate).pickle(p.bytes())
                .floats("0", 0, 1, 2, 3, 4, 5, 6, 7, 8)
                .storage("1", new byte[] {0, 0x3c, 0, (byte) 0xc0}) // 1.0, -2.0
                .build();
    }

    @Test
    void compressedEntriesAreInflated() throws IOException {
        for (boolean deflate : new boolean[] {false, true}) {
            Path file = Files.write(tmp.resolve("small" + deflate + ".pt"), smallCheckpoint(deflate));
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
                assertEquals(List.of("w", "b", "t", "h"), new ArrayList<>(ckpt.names()));
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, ckpt.tensor("w").toFloats());
                assertArrayEquals(new float[] {6, 7, 8}, ckpt.tensor("b").toFloats());
                assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, ckpt.tensor("t").toFloats());
                assertArrayEquals(new float[] {1, -2}, ckpt.tensor("h").toFloats());
                assertEquals(DType.F16, ckpt.dtype("h"));
                assertEquals(Map.of("step", 3L), ckpt.extras());
            }
        }
    }

    @Test
    void zip64RecordsAndAlignmentPadding() throws IOException {
        byte[] pkl = new Pickle().proto(2).dict().str("w")
                .tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}).setitem().stop().bytes();
        TorchZipBuilder b = new TorchZipBuilder().folder("z").pickle(pkl).floats("0", 1, 2, 3);
        Path file = Files.write(tmp.resolve("zip64.pt"), b.buildZip64(37));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertArrayEquals(new float[] {1, 2, 3}, ckpt.tensor("w").toFloats());
        }
        // The same archive, corrupted anywhere: a result or a format error, never anything else.
        byte[] good = b.buildZip64(37);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int p = 0; p < good.length; p++) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (good[p] ^ 0xFF)}), p);
                survives(file, "zip64 byte " + p);
                ch.write(ByteBuffer.wrap(new byte[] {good[p]}), p);
            }
        }
    }

    @Test
    void flatStateDictAndStateDictKey() throws IOException {
        byte[] flat = new Pickle().proto(2).dict().mark()
                .str("a").tensor("LongStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .str("version").str("1.0")
                .setitems().stop().bytes();
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(1L << 40);
        Path f1 = new TorchZipBuilder().pickle(flat).storage("0", longs.array()).write(tmp.resolve("flat.pt"));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(f1)) {
            assertNull(ckpt.stateDictKey());
            assertEquals(Set.of("a"), ckpt.names());
            assertArrayEquals(new long[] {-5, 1L << 40}, ckpt.tensor("a").toLongs());
            assertEquals(Map.of("version", "1.0"), ckpt.extras());
        }
        byte[] nested = new Pickle().proto(2).dict().mark()
                .str("state_dict").dict().str("a").tensor("IntStorage", "0", 4, 1, new long[] {3}, new long[] {1})
                .setitem()
                .str("model").str("sam3")
                .setitems().stop().bytes();
        ByteBuffer ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(9).putInt(-1).putInt(2).putInt(3);
        Path f2 = new TorchZipBuilder().folder("x").pickle(nested).storage("0", ints.array()).write(tmp.resolve("sd.pt"));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(f2)) {
            assertEquals("state_dict", ckpt.stateDictKey());
            assertArrayEquals(new long[] {-1, 2, 3}, ckpt.tensor("a").toLongs());
            assertEquals(DType.I32, ckpt.dtype("a"));
            assertEquals(Map.of("model", "sam3"), ckpt.extras());
        }
    }

    @Test
    void protocol4OpcodesParametersMetadataAndExtras() throws IOException {
        // Emitted by protocol 4 pickles and nn.Module.state_dict(): FRAME, SHORT_BINUNICODE, MEMOIZE,
        // STACK_GLOBAL, _rebuild_parameter, an OrderedDict with a _metadata attribute set by BUILD.
        Pickle p = new Pickle().proto(4).op(0x95, 0, 0, 0, 0, 0, 0, 0, 0).dict().memoize()
                .shortStr("model").memoize()
                .stackGlobal("collections", "OrderedDict").memoize().emptyTuple().reduce().memoize()
                .shortStr("p").stackGlobal("torch._utils", "_rebuild_parameter")
                .mark().tensor("ByteStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1}).bool(true)
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .setitem()
                .shortStr("q").stackGlobal("torch._utils", "_rebuild_tensor")
                .mark().mark().shortStr("storage").stackGlobal("torch", "CharStorage").shortStr("1").shortStr("cpu")
                .integer(3).tuple().persid().integer(0).ints(3).ints(0).tuple().reduce() // stride 0: expanded
                .setitem()
                .dict().shortStr("_metadata").dict().setitem().build()
                .setitem()
                .shortStr("extra").mark().dbl(0.25).bool(true).none()
                .bytes(new byte[] {1, 2}).global("_codecs", "encode").str("\u00ff!").str("latin1").op(0x86).reduce()
                .global("torch", "Size").ints(2, 3).op(0x85).reduce()
                .global("torch", "float16")
                .global("builtins", "set").list().mark().integer(5).appends().op(0x85).reduce()
                .tuple().setitem()
                .stop();
        Path file = new TorchZipBuilder().pickle(p.bytes())
                .storage("0", new byte[] {1, (byte) 200, 3, 4})
                .storage("1", new byte[] {-7, 0, 0})
                .write(tmp.resolve("p4.pt"));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertEquals("model", ckpt.stateDictKey());
            assertEquals(List.of("p", "q"), new ArrayList<>(ckpt.names()));
            assertEquals(DType.U8, ckpt.dtype("p"));
            assertArrayEquals(new long[] {1, 200, 3, 4}, ckpt.tensor("p").toLongs());
            assertEquals(DType.I8, ckpt.dtype("q"));
            assertArrayEquals(new long[] {-7, -7, -7}, ckpt.tensor("q").toLongs());
            List<?> extra = (List<?>) ckpt.extras().get("extra");
            assertEquals(0.25, extra.get(0));
            assertEquals(true, extra.get(1));
            assertNull(extra.get(2));
            assertArrayEquals(new byte[] {1, 2}, (byte[]) extra.get(3));
            assertArrayEquals(new byte[] {(byte) 0xff, '!'}, (byte[]) extra.get(4));
            assertEquals(List.of(2L, 3L), extra.get(5));
            assertEquals("torch.float16", extra.get(6));
            assertEquals(Set.of(5L), extra.get(7));
        }
    }

    @Test
    void bigEndianArchivesAreConvertedToLittleEndian() throws IOException {
        ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-2f);
        ByteBuffer c = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN)
                .putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
        byte[] pkl = new Pickle().proto(2).dict().mark()
                .str("f").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .str("c").tensor("ComplexFloatStorage", "1", 2, 0, new long[] {2}, new long[] {1})
                .setitems().stop().bytes();
        Path file = new TorchZipBuilder().byteorder("big").pickle(pkl).storage("0", f.array()).storage("1", c.array())
                .write(tmp.resolve("be.pt"));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertArrayEquals(new float[] {1.5f, -2f}, ckpt.tensor("f").toFloats());
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, ckpt.tensor("c").toFloats());
        }
    }

    @Test
    void missingStorageEntryIsReported() throws IOException {
        byte[] pkl = new Pickle().proto(2).dict().str("w")
                .tensor("FloatStorage", "7", 2, 0, new long[] {2}, new long[] {1}).setitem().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).floats("0", 1, 2).write(tmp.resolve("missing.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("data/7") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void storageSizeMustMatchItsEntry() throws IOException {
        byte[] pkl = new Pickle().proto(2).dict().str("w")
                .tensor("FloatStorage", "0", 5, 0, new long[] {2}, new long[] {1}).setitem().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).floats("0", 1, 2, 3, 4).write(tmp.resolve("size.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("truncated/corrupt") && e.getMessage().contains("16 bytes"), e.getMessage());

        byte[] fewer = new Pickle().proto(2).dict().str("w")
                .tensor("FloatStorage", "0", 3, 0, new long[] {2}, new long[] {1}).setitem().stop().bytes();
        Path file1 = new TorchZipBuilder().pickle(fewer).floats("0", 1, 2, 3, 4).write(tmp.resolve("fewer.pt"));
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file1));
        assertTrue(e.getMessage().contains("12 bytes") && e.getMessage().contains("16 bytes"), e.getMessage());

        byte[] absurd = new Pickle().proto(2).dict().str("w")
                .tensor("DoubleStorage", "0", 1L << 61, 0, new long[] {2}, new long[] {1}).setitem().stop().bytes();
        Path file2 = new TorchZipBuilder().pickle(absurd).floats("0", 1, 2, 3, 4).write(tmp.resolve("absurd.pt"));
        e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file2));
        assertTrue(e.getMessage().contains("absurd"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3:4:1", "0:5:1", "0:2,3:3,1", "1:2,2:3,1", "-1:1:1", "0:2:-1", "0:5,3:1,0"})
    void viewsOutsideTheirStorageAreRejected(String view) throws IOException {
        String[] parts = view.split(":");
        long offset = Long.parseLong(parts[0]);
        long[] shape = java.util.Arrays.stream(parts[1].split(",")).mapToLong(Long::parseLong).toArray();
        long[] stride = java.util.Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).toArray();
        byte[] pkl = new Pickle().proto(2).dict().str("w")
                .tensor("FloatStorage", "0", 4, offset, shape, stride).setitem().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).floats("0", 1, 2, 3, 4).write(tmp.resolve("view.pt"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().contains("storage '0'"), e.getMessage());
    }

    @Test
    void emptyAndEdgeViewsAreAccepted() throws IOException {
        byte[] pkl = new Pickle().proto(2).dict().mark()
                .str("empty").tensor("FloatStorage", "0", 4, 4, new long[] {0, 3}, new long[] {3, 1})
                .str("last").tensor("FloatStorage", "0", 4, 3, new long[] {1}, new long[] {1})
                .str("col").tensor("FloatStorage", "0", 4, 1, new long[] {2, 1}, new long[] {2, 1})
                .setitems().stop().bytes();
        Path file = new TorchZipBuilder().pickle(pkl).floats("0", 1, 2, 3, 4).write(tmp.resolve("edge.pt"));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertEquals(0, ckpt.tensor("empty").numel());
            assertArrayEquals(new long[] {0, 3}, ckpt.tensor("empty").shape());
            assertArrayEquals(new float[] {4}, ckpt.tensor("last").toFloats());
            assertArrayEquals(new float[] {2, 4}, ckpt.tensor("col").toFloats());
        }
    }

    private static DType torchDtype(String name) {
        switch (name) {
            case "float32": return DType.F32;
            case "float64": return DType.F64;
            case "float16": return DType.F16;
            case "bfloat16": return DType.BF16;
            case "int64": return DType.I64;
            case "int32": return DType.I32;
            case "int16": return DType.I16;
            case "int8": return DType.I8;
            case "uint8": return DType.U8;
            case "bool": return DType.BOOL;
            case "complex64": return DType.C64;
            default: throw new IllegalArgumentException("dtype " + name);
        }
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
        return out;
    }
}
