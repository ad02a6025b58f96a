package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.AttentionWindows;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * Host-side logic of the CUDA backend, without a GPU: the attention patterns' index mapping against the
 * model graph and naive definitions, the same math in the C++ library (through JNI, which loads
 * without a driver), launch configuration, the kernel argument struct, resize filter tables.
 */
class HostMathTest {
    // ------------------------------------------------------------------ windows

    /**
     * The windowed pattern reads the tokens that the graph's window attribute assigns to each window
     * ({@link AttentionWindows#partition}: reshape, permute 0,1,3,2,4,5, reshape), in the same order: run that
     * partition on the CPU backend over token indices, on a grid that is not square.
     */
    @Test
    void windowMappingIsTheAttributesPartition() {
        int gh = 8, gw = 12, ws = 4, windows = (gh / ws) * (gw / ws);
        Graph g = new Graph();
        Tensor x = g.input("x", 1, gh * gw, 1, 1);
        Tensor y = g.windowedAttention(x, x, x, 1f, gh, gw, ws);
        g.output("w", AttentionWindows.partition(g, x, y.attrs(Attrs.Attention.class)));
        float[] idx = new float[gh * gw];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        float[] part;
        try (CpuBackend cpu = new CpuBackend(1); CompiledGraph cg = cpu.compile(g, new InMemoryWeights())) {
            part = cg.run(Map.of("x", idx)).get("w").data();
        }
        AttentionPattern p = AttentionPattern.windowed(gh, gw, ws, ws);
        assertEquals(windows, p.groups(gh * gw));
        for (int w = 0; w < windows; w++) {
            assertEquals(ws * ws, p.length(gh * gw, w, 0));
            for (int i = 0; i < ws * ws; i++) {
                assertEquals((int) part[w * ws * ws + i], p.token(gh * gw, w, 0, i), "window " + w + " local " + i);
                // RoPE tables of window side: row = local index
                assertEquals(i, p.ropeRow(gh * gw, w, 0, i));
            }
        }
    }

    @Test
    void windowsCoverRaggedGridsOnce() {
        int[][] cases = {{72, 72, 24, 24}, {7, 5, 3, 2}, {1, 9, 4, 4}, {13, 13, 14, 14}, {5, 8, 5, 3}};
        for (int[] c : cases) {
            AttentionPattern p = AttentionPattern.windowed(c[0], c[1], c[2], c[3]);
            int t = c[0] * c[1];
            int[] seen = new int[t];
            for (int w = 0; w < p.groups(t); w++) {
                int len = p.length(t, w, 0);
                assertTrue(len >= 1 && len <= p.maxLength(t));
                for (int i = 0; i < len; i++) {
                    int tok = p.token(t, w, 0, i);
                    seen[tok]++;
                    int ty = tok / c[1], tx = tok % c[1];
                    assertEquals((ty % c[2]) * c[3] + tx % c[3], p.ropeRow(t, w, 0, i), "rope row of " + tok);
                }
            }
            for (int tok = 0; tok < t; tok++) assertEquals(1, seen[tok], "token " + tok + " of " + java.util.Arrays.toString(c));
        }
    }

    // ------------------------------------------------------------------ dilated

    @Test
    void dilatedMatchesLongNetSelection() {
        int[][] cases = {{64, 16, 1, 4}, {64, 16, 2, 4}, {64, 16, 4, 4}, {67, 16, 4, 8}, {5184, 2048, 4, 16},
            {10, 3, 2, 2}, {10, 20, 3, 3}, {7, 7, 7, 7}, {9, 4, 3, 2}};
        for (int[] c : cases) {
            int t = c[0], w = c[1], r = c[2], heads = c[3];
            AttentionPattern p = AttentionPattern.dilated(w, r);
            int[] covered = new int[t];
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < p.groups(t); s++) {
                    List<Integer> expect = new ArrayList<>();
                    for (int pos = s * w; pos < Math.min(t, (s + 1) * w); pos++) {
                        if ((pos - s * w) % r == h % r) expect.add(pos);
                    }
                    assertEquals(expect.size(), p.length(t, s, h), "length " + java.util.Arrays.toString(c));
                    assertTrue(expect.size() <= p.maxLength(t));
                    for (int i = 0; i < expect.size(); i++) {
                        assertEquals(expect.get(i), p.token(t, s, h, i));
                        assertEquals(expect.get(i), p.ropeRow(t, s, h, i));
                        if (h < r) covered[expect.get(i)]++;
                    }
                }
            }
            if (heads >= r) for (int pos = 0; pos < t; pos++) assertEquals(1, covered[pos], "token " + pos);
        }
        // dilation 1 with one segment is the full pattern
        AttentionPattern one = AttentionPattern.dilated(100, 1);
        for (int i = 0; i < 50; i++) assertEquals(i, one.token(50, 0, 3, i));
    }

    // ------------------------------------------------------------------ the same math in C++ (JNI, no GPU)

    @Test
    void javaAndNativeIndexMathAgree() {
        NativePaths.assumeKernelsLoad();
        int[][] windows = {{72, 72, 24, 24}, {7, 5, 3, 2}, {13, 13, 14, 14}, {5, 8, 5, 3}};
        for (int[] c : windows) {
            AttentionPattern p = AttentionPattern.windowed(c[0], c[1], c[2], c[3]);
            int t = c[0] * c[1];
            assertEquals(p.groups(t), CudaKernels.s3c_host_window_count(c[0], c[1], c[2], c[3]));
            for (int w = 0; w < p.groups(t); w++) {
                int len = p.length(t, w, 0);
                assertEquals(len, CudaKernels.s3c_host_window_length(c[0], c[1], c[2], c[3], w));
                for (int i = 0; i < len; i++) {
                    assertEquals(p.token(t, w, 0, i), CudaKernels.s3c_host_window_token(c[0], c[1], c[2], c[3], w, i));
                    assertEquals(p.ropeRow(t, w, 0, i), CudaKernels.s3c_host_window_rope_row(c[0], c[1], c[2], c[3], w, i));
                }
                assertEquals(-1, CudaKernels.s3c_host_window_token(c[0], c[1], c[2], c[3], w, len));
            }
        }
        int[][] dil = {{64, 16, 4}, {67, 16, 4}, {10, 3, 2}, {10, 20, 3}, {9, 4, 3}};
        for (int[] c : dil) {
            AttentionPattern p = AttentionPattern.dilated(c[1], c[2]);
            assertEquals(p.groups(c[0]), CudaKernels.s3c_host_dilated_segments(c[0], c[1]));
            for (int h = 0; h < 6; h++) {
                for (int s = 0; s < p.groups(c[0]); s++) {
                    int len = p.length(c[0], s, h);
                    assertEquals(len, CudaKernels.s3c_host_dilated_length(c[0], c[1], c[2], s, h));
                    for (int i = 0; i < len; i++) {
                        assertEquals(p.token(c[0], s, h, i), CudaKernels.s3c_host_dilated_token(c[0], c[1], c[2], s, h, i));
                    }
                }
            }
        }
    }

    @Test
    void launchConfigurationMatchesTheLibrary() {
        NativePaths.assumeKernelsLoad();
        int[][] sizes = {{1, 5184, 16, 64, 64}, {2, 33, 3, 100, 100}, {1, 200, 8, 32, 32}, {3, 577, 5, 7, 9},
            {1, 144, 4, 16, 16}, {1, 4096, 2, 128, 64}};
        List<AttentionPattern> patterns = List.of(AttentionPattern.full(), AttentionPattern.dilated(64, 2),
                AttentionPattern.dilated(2048, 4), AttentionPattern.dilated(5, 3));
        try (CudaKernels.AttentionArgs a = new CudaKernels.AttentionArgs()) {
            for (int[] s : sizes) {
                List<AttentionPattern> ps = new ArrayList<>(patterns);
                int side = (int) Math.round(Math.sqrt(s[1]));
                if (side * side == s[1]) ps.add(AttentionPattern.windowed(side, side, Math.max(1, side / 3), Math.max(1, side / 3)));
                for (AttentionPattern p : ps) {
                    CudaKernels.s3c_attention_defaults(a, s[0], s[1], s[1], s[2], s[3], s[4], 0.1f, CudaKernels.S3C_F16);
                    a.q(64).k(64).v(64).y(64);
                    p.apply(a);
                    int[] grid = new int[3], threads = new int[1], smem = new int[1], bucket = new int[1], tpq = new int[1];
                    assertEquals(0, CudaKernels.s3c_host_attention_launch(a, grid, threads, smem, bucket, tpq),
                            () -> CudaKernels.s3c_last_message().getString());
                    AttentionPattern.Launch l = AttentionPattern.Launch.of(p, s[0], s[1], s[2], s[3], s[4]);
                    String what = p + " " + java.util.Arrays.toString(s);
                    assertArrayEquals(l.grid(), grid, what);
                    assertEquals(l.threads(), threads[0], what);
                    assertEquals(l.smemBytes(), smem[0], what);
                    assertEquals(l.headBucket(), bucket[0], what);
                    assertEquals(l.threadsPerQuery(), tpq[0], what);
                    assertTrue(smem[0] <= 48 * 1024, "fits the default shared memory");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> AttentionPattern.Launch.of(AttentionPattern.full(), 1, 8, 1, 160, 160));
    }

    @Test
    void attentionArgumentStructAndChecks() {
        NativePaths.assumeKernelsLoad();
        try (CudaKernels.AttentionArgs a = new CudaKernels.AttentionArgs()) {
            CudaKernels.s3c_attention_defaults(a, 2, 10, 12, 3, 8, 6, 0.5f, CudaKernels.S3C_BF16);
            assertEquals(2, a.batch());
            assertEquals(10, a.tq());
            assertEquals(12, a.tk());
            assertEquals(3 * 8, a.q_st());
            assertEquals(10L * 3 * 8, a.q_sb());
            assertEquals(8, a.k_sh());
            assertEquals(12L * 3 * 6, a.v_sb());
            assertEquals(3 * 6, a.y_st());
            assertEquals(0.5f, a.scale());
            assertEquals(CudaKernels.S3C_BF16, a.dtype());
            assertEquals(0L, a.bias());
            // null operands are refused on the host, with a message
            assertEquals(CudaKernels.S3C_ERR_INVALID_ARGUMENT, CudaKernels.s3c_attention_check(a));
            assertTrue(CudaKernels.s3c_last_message().getString().contains("null"));
            a.q(0x1000).k(0x2000).v(0x3000).y(0x4000);
            assertEquals(0x3000L, a.v());
            assertEquals(0, CudaKernels.s3c_attention_check(a), () -> CudaKernels.s3c_last_message().getString());
            AttentionPattern.windowed(2, 5, 2, 2).apply(a);
            assertEquals(CudaKernels.S3C_ERR_INVALID_ARGUMENT, CudaKernels.s3c_attention_check(a), "Tq != Tk refused");
            a.tk(10).k_sb(10L * 3 * 8).v_sb(10L * 3 * 6);
            assertEquals(0, CudaKernels.s3c_attention_check(a), () -> CudaKernels.s3c_last_message().getString());
            a.rope_q(1);
            assertEquals(CudaKernels.S3C_ERR_INVALID_ARGUMENT, CudaKernels.s3c_attention_check(a));
            assertTrue(CudaKernels.s3c_last_message().getString().contains("RoPE"));
            a.rope_cos(0x5000).rope_sin(0x6000).rope_rows(4);
            assertEquals(0, CudaKernels.s3c_attention_check(a), "window RoPE tables need win_h·win_w rows");
            a.bias(0x7000);
            assertEquals(CudaKernels.S3C_ERR_INVALID_ARGUMENT, CudaKernels.s3c_attention_check(a), "bias needs FULL");
        }
    }

    // ------------------------------------------------------------------ preprocessing filter

    /** The C++ filter tables equal the Java preprocessing's (AntialiasResize.FloatFilter) bit for bit. */
    @Test
    void resizeFilterIsBitIdenticalToTheJavaPreprocessing() throws Exception {
        NativePaths.assumeKernelsLoad();
        Class<?> ff = Class.forName("org.sam3j.image.AntialiasResize$FloatFilter");
        Method of = ff.getDeclaredMethod("of", int.class, int.class);
        of.setAccessible(true);
        Field fTaps = ff.getDeclaredField("taps");
        Field fStart = ff.getDeclaredField("start");
        Field fCount = ff.getDeclaredField("count");
        Field fWeights = ff.getDeclaredField("weights");
        for (Field f : new Field[] {fTaps, fStart, fCount, fWeights}) f.setAccessible(true);
        int[][] sizes = {{640, 1008}, {1920, 1008}, {1008, 1008}, {37, 1008}, {1008, 17}, {3, 2}, {4032, 1008}, {999, 1008}};
        for (int[] s : sizes) {
            Object java = of.invoke(null, s[0], s[1]);
            int taps = fTaps.getInt(java);
            assertEquals(taps, CudaKernels.s3c_host_resize_taps(s[0], s[1]), "taps " + s[0] + "->" + s[1]);
            int[] start = new int[s[1]];
            int[] count = new int[s[1]];
            float[] w = new float[s[1] * taps];
            assertEquals(0, CudaKernels.s3c_host_resize_filter(s[0], s[1], start, count, w));
            assertArrayEquals((int[]) fStart.get(java), start, "start " + s[0] + "->" + s[1]);
            assertArrayEquals((int[]) fCount.get(java), count, "count " + s[0] + "->" + s[1]);
            float[] jw = (float[]) fWeights.get(java);
            for (int i = 0; i < w.length; i++) {
                assertEquals(Float.floatToIntBits(jw[i]), Float.floatToIntBits(w[i]), "weight " + i + " of " + s[0] + "->" + s[1]);
            }
        }
    }

    // ------------------------------------------------------------------ broadcasting

    @Test
    void broadcastStridesAreRightAligned() {
        assertArrayEquals(new long[] {0, 0, 1}, CudaCompiledGraph.broadcastStrides(new int[] {4}, new int[] {2, 3, 4}));
        assertArrayEquals(new long[] {0, 1, 0}, CudaCompiledGraph.broadcastStrides(new int[] {3, 1}, new int[] {2, 3, 4}));
        assertArrayEquals(new long[] {12, 4, 1}, CudaCompiledGraph.broadcastStrides(new int[] {2, 3, 4}, new int[] {2, 3, 4}));
        assertArrayEquals(new long[] {0, 0, 0, 1}, CudaCompiledGraph.broadcastStrides(new int[] {1, 1, 1, 5}, new int[] {2, 3, 4, 5}));
        assertArrayEquals(new long[] {3, 0, 1}, CudaCompiledGraph.broadcastStrides(new int[] {2, 1, 3}, new int[] {2, 4, 3}));
    }

    @Test
    void precisionsAndAlignment() {
        assertEquals(Precision.BF16, Precision.parse(" bf16 "));
        assertEquals(2, Precision.FP16.bytes());
        assertThrows(IllegalArgumentException.class, () -> Precision.parse("int8"));
        assertEquals(256, LtGemm.alignment(0x7f0000000000L, 0));
        assertEquals(32, LtGemm.alignment(0x7f0000000020L, 64));
        assertEquals(2, LtGemm.alignment(0x7f0000000000L, 2 * 7));
    }
}
