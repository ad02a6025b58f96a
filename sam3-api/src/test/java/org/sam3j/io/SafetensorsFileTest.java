package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.testing.SharedData;

/** {@link SafetensorsFile} reading, round trips through {@link SafetensorsWriter}, and malformed files. */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    /** One tensor of every dtype, plus a scalar and an empty tensor. */
    static List<StoredTensor> sampleTensors() {
        List<StoredTensor> list = new ArrayList<>();
        list.add(StoredTensor.ofFloats("f32", new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f}));
        list.add(raw("f16", DType.F16, new long[] {4}, le(2, 0x3C00, 0xC000, 0x7BFF, 0x0001)));
        list.add(raw("bf16", DType.BF16, new long[] {3}, le(2, 0x3F80, 0xC040, 0x7F80)));
        list.add(StoredTensor.ofLongs("i64", new long[] {2, 2}, new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}));
        list.add(raw("bool", DType.BOOL, new long[] {5}, new byte[] {1, 0, 0, 1, 1}));
        list.add(raw("u8", DType.U8, new long[] {3}, new byte[] {0, (byte) 128, (byte) 255}));
        list.add(raw("i8", DType.I8, new long[] {2}, new byte[] {-128, 127}));
        list.add(raw("i16", DType.I16, new long[] {2}, le(2, 0x8000, 0x7FFF)));
        list.add(raw("i32", DType.I32, new long[] {1, 2}, le(4, 0x80000000L, 7)));
        list.add(raw("f64", DType.F64, new long[] {1}, le(8, Double.doubleToLongBits(Math.PI))));
        list.add(raw("c64", DType.C64, new long[] {2}, le(4, Float.floatToIntBits(1), Float.floatToIntBits(-1),
                Float.floatToIntBits(0.5f), Float.floatToIntBits(2))));
        list.add(StoredTensor.ofFloats("scalar", new long[] {}, new float[] {42f}));
        list.add(StoredTensor.ofFloats("empty", new long[] {0, 4}, new float[0]));
        return list;
    }

    static StoredTensor raw(String name, DType dtype, long[] shape, byte[] bytes) {
        return new StoredTensor(name, dtype, shape, ByteBuffer.wrap(bytes));
    }

    /** Little-endian values of {@code width} bytes each. */
    static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (width) {
                case 2: b.putShort((short) v); break;
                case 4: b.putInt((int) v); break;
                default: b.putLong(v); break;
            }
        }
        return b.array();
    }

    @Test
    void roundTripOfEveryDtypeScalarAndEmptyTensor() throws IOException {
        List<StoredTensor> tensors = sampleTensors();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcode \"quoted\"");
        Path file = tmp.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, meta);
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            assertEquals(meta, sf.metadata());
            assertEquals(tensors.size(), sf.names().size());
            for (StoredTensor t : tensors) {
                assertTrue(sf.contains(t.name()), t.name());
                assertEquals(t.dtype(), sf.dtype(t.name()), t.name());
                assertArrayEquals(t.shape(), sf.shape(t.name()), t.name());
                StoredTensor back = sf.tensor(t.name());
                assertEquals(t.dtype(), back.dtype());
                assertArrayEquals(t.shape(), back.shape());
                assertEquals(t.bytes(), back.bytes(), t.name() + " bytes");
            }
            assertArrayEquals(new float[] {42f}, sf.tensor("scalar").toFloats());
            assertEquals(0, sf.tensor("empty").numel());
            assertArrayEquals(new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f}, sf.tensor("f32").toFloats());
            assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f}, sf.tensor("f16").toFloats());
            assertArrayEquals(new float[] {1, -3, Float.POSITIVE_INFINITY}, sf.tensor("bf16").toFloats());
            assertArrayEquals(new long[] {1, 0, 0, 1, 1}, sf.tensor("bool").toLongs());
            assertArrayEquals(new long[] {0, 128, 255}, sf.tensor("u8").toLongs());
            assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, sf.tensor("i64").toLongs());
        }
    }

    @Test
    void noMetadataAndNoTensors() throws IOException {
        Path file = tmp.resolve("empty.safetensors");
        SafetensorsWriter.write(file, List.of(), null);
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            assertTrue(sf.names().isEmpty());
            assertTrue(sf.metadata().isEmpty());
        }
        assertEquals(16, Files.size(file), "8-byte length + '{}' padded to 8");
    }

    @Test
    void headerIsPaddedWithSpacesAndTensorsAreAligned() throws IOException {
        Path file = tmp.resolve("layout.safetensors");
        SafetensorsWriter.write(file, sampleTensors(), Map.of("k", "v"));
        byte[] all = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header length is a multiple of 8");
        String header = new String(all, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\"},"), header);
        String trimmed = header.stripTrailing();
        assertTrue(trimmed.endsWith("}"));
        assertTrue(header.substring(trimmed.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        JsonNode root = new ObjectMapper().readTree(header);
        long expectedStart = 0;
        int previousSize = Integer.MAX_VALUE;
        for (var it = root.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getKey().equals("__metadata__")) continue;
            int size = DType.fromSafetensors(f.getValue().get("dtype").asText()).byteSize();
            long begin = f.getValue().get("data_offsets").get(0).asLong();
            long end = f.getValue().get("data_offsets").get(1).asLong();
            assertEquals(expectedStart, begin, f.getKey() + ": tensors are back to back");
            assertEquals(0, begin % size, f.getKey() + " is aligned to its element size");
            assertTrue(size <= previousSize, "larger elements first");
            previousSize = size;
            expectedStart = end;
        }
        assertEquals(8 + headerLen + expectedStart, all.length, "no trailing bytes");
    }

    @Test
    void mapKeysNameTheTensors() throws IOException {
        Map<String, StoredTensor> m = new LinkedHashMap<>();
        m.put("renamed", StoredTensor.ofFloats("original", new long[] {1}, new float[] {5}));
        Path file = tmp.resolve("map.safetensors");
        SafetensorsWriter.write(file, m, Map.of());
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            assertEquals(List.of("renamed"), new ArrayList<>(sf.names()));
            assertArrayEquals(new float[] {5}, sf.tensor("renamed").toFloats());
        }
    }

    @Test
    void aTorchCheckpointConvertsLosslessly() throws IOException {
        Path file = tmp.resolve("converted.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(SharedData.resolve("fixtures/checkpoints/reader_test.pt"))) {
            List<StoredTensor> all = new ArrayList<>();
            for (String name : ckpt.names()) all.add(ckpt.tensor(name));
            SafetensorsWriter.write(file, all, Map.of("source", "reader_test.pt"));
            try (SafetensorsFile sf = SafetensorsFile.open(file)) {
                assertEquals(ckpt.names(), new java.util.HashSet<>(sf.names()));
                for (StoredTensor t : all) {
                    StoredTensor back = sf.tensor(t.name());
                    assertEquals(t.dtype(), back.dtype(), t.name());
                    assertArrayEquals(t.shape(), back.shape(), t.name());
                    assertEquals(t.bytes(), back.bytes(), t.name());
                }
                assertArrayEquals(new float[] {0, 6, 12, 18},
                        Arrays.copyOf(sf.tensor("test.transposed").toFloats(), 4));
            }
        }
    }

    @Test
    void theTinyFixtureOpens() throws IOException {
        Path file = SharedData.resolve("fixtures/sam3/tiny/truck.safetensors");
        JsonNode stats = new ObjectMapper().readTree(SharedData.resolve("fixtures/sam3/tiny/truck.json").toFile())
                .get("stats").get("input.normalized");
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            assertEquals(182, sf.names().size());
            assertEquals(DType.F32, sf.dtype("input.normalized.probe"));
            assertArrayEquals(new long[] {2048}, sf.shape("input.normalized.probe"));
            float[] probe = sf.tensor("input.normalized.probe").toFloats();
            assertEquals(2048, probe.length);
            double absmax = stats.get("absmax").asDouble();
            for (float v : probe) {
                assertTrue(Math.abs(v) <= absmax, "probe value " + v + " within absmax " + absmax);
            }
            assertEquals(-0.51372546f, probe[0], 1e-7f, "pixel (0, 0), red, normalised");
            for (String name : sf.names()) {
                StoredTensor t = sf.tensor(name);
                assertEquals(StoredTensor.numel(t.shape()) * t.dtype().byteSize(), t.bytes().remaining(), name);
            }
        }
    }

    // ---------------------------------------------------------------- malformed files

    /** A file with the given header JSON (padded) and {@code dataBytes} zero bytes of data. */
    private Path craft(String name, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        while (b.position() < 8 + padded) b.put((byte) ' ');
        return Files.write(tmp.resolve(name), b.array());
    }

    private CheckpointFormatException rejected(Path file) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(file));
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 12, 100, -50, -8, -1})
    void truncatedFileIsRejected(int keep) throws IOException {
        Path good = tmp.resolve("good.safetensors");
        SafetensorsWriter.write(good, sampleTensors(), Map.of("a", "b"));
        byte[] all = Files.readAllBytes(good);
        int len = keep >= 0 ? keep : all.length + keep;
        Path file = Files.write(tmp.resolve("cut.safetensors"), Arrays.copyOf(all, len));
        CheckpointFormatException e = rejected(file);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path file = craft("long.safetensors", "{}", 0);
        byte[] all = Files.readAllBytes(file);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        Files.write(file, all);
        CheckpointFormatException e = rejected(file);
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("1000"), e.getMessage());

        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        Files.write(file, all);
        rejected(file);

        Files.write(file, new byte[] {1, 2, 3});
        rejected(file);
    }

    @Test
    void garbageJsonIsRejected() throws IOException {
        CheckpointFormatException e = rejected(craft("garbage.safetensors", "{not json at all", 0));
        assertTrue(e.getMessage().contains("corrupt safetensors header"), e.getMessage());
        e = rejected(craft("array.safetensors", "[1, 2]", 0));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        rejected(craft("entry.safetensors", "{\"x\": 5}", 0));
        rejected(craft("nooffsets.safetensors", "{\"x\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4));
    }

    @Test
    void unknownDtypeIsNamed() throws IOException {
        CheckpointFormatException e = rejected(craft("f17.safetensors",
                "{\"w\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        assertTrue(e.getMessage().contains("F17") && e.getMessage().contains("'w'"), e.getMessage());
    }

    @Test
    void dataOffsetsMustMatchShapeAndDtype() throws IOException {
        CheckpointFormatException e = rejected(craft("mismatch.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 12));
        assertTrue(e.getMessage().contains("expected 8"), e.getMessage());
        rejected(craft("backwards.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8));
        rejected(craft("negative.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        rejected(craft("fraction.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8));
        rejected(craft("huge.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904, 4],\"data_offsets\":[0,8]}}", 8));
        e = rejected(craft("past.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
