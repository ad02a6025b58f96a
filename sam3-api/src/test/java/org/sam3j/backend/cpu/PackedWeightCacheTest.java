package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.BackendOptions;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.RunRequest;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.testing.ForwardingWeights;
import org.sam3j.weights.FloatReader;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightStore;

/**
 * With a cache directory, the pure-Java engine's packed {@code Linear} weights are written to files once and mapped
 * by later backends instead of packed again, with the same values; a damaged or foreign file is never used.
 */
class PackedWeightCacheTest {
    private static final String FC1 = "fc1.weight";
    private static final String B1 = "fc1.bias";
    private static final String FC2 = "fc2.weight";
    private static final String NORM = "norm.weight";
    private static final String NORM_B = "norm.bias";

    @TempDir
    Path dir;

    private final InMemoryWeights memory = new InMemoryWeights();
    private final Map<String, float[]> in;
    private final Graph graph = new Graph();

    PackedWeightCacheTest() {
        Random rnd = new Random(11);
        // two panels with a tail (n = 600), K not a multiple of the K block, and a second weight of another shape
        memory.put(FC1, rand(rnd, 600 * 300), new long[] {600, 300});
        memory.put(B1, rand(rnd, 600), new long[] {600});
        memory.put(FC2, rand(rnd, 40 * 600), new long[] {40, 600});
        memory.put(NORM, rand(rnd, 300), new long[] {300});
        memory.put(NORM_B, rand(rnd, 300), new long[] {300});
        Tensor x = graph.input("x", 37, 300);
        Tensor h = graph.gelu(graph.linear(graph.layerNorm(x, graph.weight(NORM, 300), graph.weight(NORM_B, 300), 1e-5f),
                graph.weight(FC1, 600, 300), graph.weight(B1, 600)));
        graph.output("y", graph.linear(h, graph.weight(FC2, 40, 600), null));
        in = Map.of("x", rand(rnd, 37 * 300));
    }

    /** The weights under a fingerprint, recording which weights were read from them. */
    private static final class Fingerprinted extends ForwardingWeights {
        final String fingerprint;
        final List<String> read = Collections.synchronizedList(new ArrayList<>());

        Fingerprinted(WeightStore base, String fingerprint) {
            super(base);
            this.fingerprint = fingerprint;
        }

        @Override
        public float[] floats(String name) {
            read.add(name);
            return super.floats(name);
        }

        @Override
        public FloatBuffer mappedFloats(String name) {
            read.add(name);
            return super.mappedFloats(name);
        }

        @Override
        public FloatReader floatReader(String name) {
            read.add(name);
            return super.floatReader(name);
        }

        @Override
        public Optional<String> fingerprint() {
            return Optional.ofNullable(fingerprint);
        }
    }

    private CpuBackend backend(boolean cache) {
        return new CpuBackend("cpu", BackendOptions.builder().threads(2).cacheDirectory(cache ? dir : null).build(),
                JavaGemm.INSTANCE);
    }

    /** Runs the graph on {@code b}, returning y; {@code check} sees the backend's prepared FC1 afterwards. */
    private float[] run(CpuBackend b, WeightStore store, java.util.function.Consumer<Sgemm.PackedMatrix> check) {
        try (CompiledGraph cg = b.compile(graph, store); ExecutionContext ctx = cg.newContext()) {
            float[] y = ctx.run(RunRequest.of(in)).host().get("y").data();
            check.accept((Sgemm.PackedMatrix) b.linearWeight(null, store, FC1, 300, 600));
            return y;
        }
    }

    private List<Path> files() throws IOException {
        Path d = dir.resolve(PackedWeightCache.SUBDIRECTORY);
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().collect(Collectors.toList());
        }
    }

    @Test
    void aSecondBackendMapsTheWeightsTheFirstPackedAndComputesTheSameValues() throws IOException {
        float[] expected;
        try (CpuBackend plain = backend(false)) {
            expected = run(plain, new Fingerprinted(memory, "weights A"), p -> assertNotNull(p.data));
        }
        assertEquals(List.of(), files(), "no cache directory, no files");

        Fingerprinted first = new Fingerprinted(memory, "weights A");
        try (CpuBackend b = backend(true)) {
            assertArrayEquals(expected, run(b, first, p -> assertNotNull(p.data, "the first backend packs onto the heap")));
        }
        assertTrue(first.read.contains(FC1) && first.read.contains(FC2), first.read.toString());
        List<Path> files = files();
        assertEquals(1, files.size(), "the graph's two Linear weights share one array, one file: " + files);
        assertEquals(PackedWeightCache.HEADER_BYTES + 4 * (Sgemm.packedFloats(300, 600) + Sgemm.packedFloats(600, 40)),
                Files.size(files.get(0)));

        Fingerprinted second = new Fingerprinted(memory, "weights A");
        try (CpuBackend b = backend(true)) {
            float[] y = run(b, second, p -> {
                assertNull(p.data, "mapped, not on the heap");
                assertNotNull(p.mapped);
            });
            assertArrayEquals(expected, y, "the same floats to the bit");
        }
        assertTrue(!second.read.contains(FC1) && !second.read.contains(FC2),
                "the Linear weights are not read from the store: " + second.read);
        assertEquals(files, files(), "nothing written again");
    }

    @Test
    void aDamagedFileIsPackedAgainAndReplaced() throws IOException {
        float[] expected;
        try (CpuBackend b = backend(true)) {
            expected = run(b, new Fingerprinted(memory, "weights A"), p -> { });
        }
        Path file = files().get(0);
        byte[] intact = Files.readAllBytes(file);

        // one float of the data changed: the check sum fails
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(PackedWeightCache.HEADER_BYTES + 4 * 1000L);
            f.writeFloat(123.5f);
        }
        assertPackedAgain(expected, file, intact);

        // cut short
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(intact.length - 4);
        }
        assertPackedAgain(expected, file, intact);

        // the header of another key (the same size): refused before its data are read
        ByteBuffer h = ByteBuffer.wrap(intact.clone()).order(ByteOrder.LITTLE_ENDIAN);
        h.put(32, (byte) (h.get(32) ^ 1));
        Files.write(file, h.array());
        assertPackedAgain(expected, file, intact);
    }

    private void assertPackedAgain(float[] expected, Path file, byte[] intact) throws IOException {
        try (CpuBackend b = backend(true)) {
            assertArrayEquals(expected, run(b, new Fingerprinted(memory, "weights A"),
                    p -> assertNotNull(p.data, "a damaged file is not mapped")));
        }
        assertArrayEquals(intact, Files.readAllBytes(file), "and it is written again, whole");
        try (CpuBackend b = backend(true)) {
            assertArrayEquals(expected, run(b, new Fingerprinted(memory, "weights A"), p -> assertNull(p.data)));
        }
    }

    @Test
    void writingAFileRemovesTheTemporaryFilesAnEndedProcessLeftOfIt() throws IOException {
        try (CpuBackend b = backend(true)) {
            run(b, new Fingerprinted(memory, "weights A"), p -> { });
        }
        Path file = files().get(0);
        String name = file.getFileName().toString();
        Path old = file.resolveSibling(org.sam3j.io.AtomicFiles.temporaryName(name));
        Path recent = file.resolveSibling(org.sam3j.io.AtomicFiles.temporaryName(name));
        Files.write(old, new byte[100]);
        Files.write(recent, new byte[100]);
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 7_200_000L));
        Files.delete(file);
        try (CpuBackend b = backend(true)) {
            run(b, new Fingerprinted(memory, "weights A"), p -> assertNotNull(p.data));
        }
        assertTrue(Files.isRegularFile(file));
        assertTrue(!Files.exists(old), "an hour old: abandoned");
        assertTrue(Files.exists(recent), "maybe another process's write in progress");
    }

    @Test
    void otherWeightsGetAFileOfTheirOwnAndStoresWithoutAFingerprintNone() throws IOException {
        try (CpuBackend b = backend(true)) {
            run(b, new Fingerprinted(memory, "weights A"), p -> { });
        }
        List<Path> a = files();
        // the same names and shapes under another fingerprint: other values, so another file, not A's
        InMemoryWeights other = new InMemoryWeights();
        Random rnd = new Random(12);
        for (String name : List.of(FC1, B1, FC2, NORM, NORM_B)) {
            long[] shape = memory.shape(name);
            other.put(name, rand(rnd, Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact))), shape);
        }
        float[] expectedB;
        try (CpuBackend plain = backend(false)) {
            expectedB = run(plain, other, p -> { });
        }
        try (CpuBackend b = backend(true)) {
            assertArrayEquals(expectedB, run(b, new Fingerprinted(other, "weights B"), p -> assertNotNull(p.data)));
        }
        assertEquals(2, files().size(), files().toString());
        try (CpuBackend b = backend(true)) {
            assertArrayEquals(expectedB, run(b, new Fingerprinted(other, "weights B"), p -> assertNull(p.data)));
        }
        // a store that cannot say which values it holds is never cached
        try (CpuBackend b = backend(true)) {
            run(b, new Fingerprinted(memory, null), p -> assertNotNull(p.data));
            run(b, memory, p -> assertNotNull(p.data));
        }
        assertEquals(2, files().size());
        assertTrue(files().containsAll(a));
    }

    @Test
    void aViewOfPackedFloatsInABufferMultipliesLikeTheArray() {
        Random rnd = new Random(13);
        int[][] shapes = {{300, 600}, {1000, 40}, {5, 17}, {256, 512}}; // k, n
        for (int[] kn : shapes) {
            int k = kn[0], n = kn[1];
            float[] w = rand(rnd, k * n);
            int at = 7;
            float[] room = new float[at + (int) Sgemm.packedFloats(k, n) + 3];
            Sgemm.PackedMatrix packed = Sgemm.pack(null, w, 0, k, true, k, n, room, at);
            FloatBuffer file = ByteBuffer.allocateDirect(room.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            file.put(0, room);
            Sgemm.PackedMatrix view = Sgemm.view(file, at, k, n);
            for (int m : new int[] {1, 4, 37, 300}) {
                float[] a = rand(rnd, m * k);
                float[] bias = rand(rnd, n);
                float[] c1 = new float[m * n];
                float[] c2 = new float[m * n];
                try (Parallel par = new Parallel(2)) {
                    Sgemm.gemm(par, m, a, 0, k, packed, c1, 0, n, bias, false);
                    Sgemm.gemm(par, m, a, 0, k, view, c2, 0, n, bias, false);
                }
                assertArrayEquals(c1, c2, k + "x" + n + ", m=" + m);
            }
        }
    }

    @Test
    void theScratchCopiesAKBlockFromABufferAsFromAnArray() {
        Random rnd = new Random(14);
        float[] data = rand(rnd, 40 + 300 * 48);
        FloatBuffer buf = ByteBuffer.allocateDirect(data.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buf.put(0, data);
        Sgemm.Scratch fromArray = new Sgemm.Scratch();
        Sgemm.Scratch fromBuffer = new Sgemm.Scratch();
        // the auto-vectorised kernels' rows, and the Vector API kernels' block, of the K block of rows [256, 300) of a
        // panel of width 48 at 40: 44 rows of a strip of 32 columns, then 44 rows of a strip of 16
        int at = 40 + 256 * 48;
        float[][] a = fromArray.rows(data, at, 48, 44);
        float[][] b = fromBuffer.rows(buf, at, 48, 44);
        for (int p = 0; p < 44; p++) {
            assertArrayEquals(Arrays.copyOf(a[p], 48), Arrays.copyOf(b[p], 48), "row " + p);
            for (int j = 0; j < 48; j++) {
                float want = j < 32 ? data[at + p * 32 + j] : data[at + 44 * 32 + p * 16 + j - 32];
                assertEquals(want, a[p][j], "row " + p + " column " + j);
                assertEquals(data[Sgemm.at(40, 48, 300, 256 + p, j)], a[p][j], "row " + p + " column " + j);
            }
        }
        float[] block = fromBuffer.block(buf, at, 48, 44);
        assertArrayEquals(Arrays.copyOfRange(data, at, 40 + 300 * 48), Arrays.copyOf(block, 44 * 48));
    }

    private static float[] rand(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
