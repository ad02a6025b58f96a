package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.graph.Op;
import org.sam3j.io.DType;
import org.sam3j.Precision;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * The CPU compile step's fusions ({@link CpuFusion}) on a pre-norm ViT block with RoPE attention (global, then
 * windowed): the fused run gives the unfused run's values bit for bit, and the fusions do happen (and are off with
 * the property), the v thirds of qkv read in place as strided views. Public for the OpenBLAS backend's test of the
 * same block.
 */
public class CpuFusionTest {
    static final int T = 300;
    static final int C = 48;
    static final int HEADS = 3;
    static final int MLP = 600; // more than one packed panel of Sgemm

    /** Two ViT blocks on x[1, T, C] (RoPE tables for T tokens), outputs the final norm and the residual stream. */
    public static Graph block() {
        Graph g = new Graph();
        int d = C / HEADS;
        Tensor x = g.input("x", 1, T, C);
        Tensor cos = g.input("cos", T, d / 2);
        Tensor sin = g.input("sin", T, d / 2);
        for (int blk = 0; blk < 2; blk++) {
            String p = "b" + blk + ".";
            Tensor y = g.layerNorm(x, g.weight(p + "n1.w", C), g.weight(p + "n1.b", C), 1e-5f);
            Tensor qkv = g.reshape(g.linear(y, g.weight(p + "qkv.w", 3 * C, C), g.weight(p + "qkv.b", 3 * C)), 1, T, 3, C);
            Tensor q = g.rope(g.reshape(g.slice(qkv, 2, 0, 1), 1, T, HEADS, d), cos, sin);
            Tensor k = g.rope(g.reshape(g.slice(qkv, 2, 1, 2), 1, T, HEADS, d), cos, sin);
            Tensor v = g.reshape(g.slice(qkv, 2, 2, 3), 1, T, HEADS, d);
            float scale = (float) (1 / Math.sqrt(d));
            // the second block attends in 5 × 5 windows of the 15 × 20 grid
            Tensor a = blk == 0 ? g.attention(q, k, v, null, scale) : g.windowedAttention(q, k, v, scale, 15, 20, 5);
            Tensor o = g.reshape(a, 1, T, C);
            x = g.add(x, g.linear(o, g.weight(p + "proj.w", C, C), g.weight(p + "proj.b", C)));
            Tensor h = g.gelu(g.linear(g.layerNorm(x, g.weight(p + "n2.w", C), g.weight(p + "n2.b", C), 1e-5f),
                    g.weight(p + "fc1.w", MLP, C), g.weight(p + "fc1.b", MLP)));
            x = g.add(x, g.linear(h, g.weight(p + "fc2.w", C, MLP), g.weight(p + "fc2.b", C)));
        }
        g.output("norm", g.layerNorm(x, g.weight("nf.w", C), g.weight("nf.b", C), 1e-5f));
        g.output("x", x);
        // an FPN neck's upsampling: transposed convolution then GELU, on the tokens as a 15×20 map
        Tensor up = g.gelu(g.convTranspose2x2(g.reshape(x, 1, 15, 20, C), g.weight("up.w", C, 24, 2, 2), g.weight("up.b", 24)));
        g.output("up", g.scale(up, 0.5f));
        return g;
    }

    public static InMemoryWeights weights(Graph g, long seed) {
        Random rnd = new Random(seed);
        InMemoryWeights w = new InMemoryWeights();
        for (Tensor t : g.weights().values()) {
            float[] v = new float[(int) t.numel()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() / Math.sqrt(t.dim(-1)));
            w.put(t.attrs(org.sam3j.graph.Attrs.Named.class).name(), v, java.util.Arrays.stream(t.shape()).asLongStream().toArray());
        }
        return w;
    }

    public static Map<String, float[]> inputs(long seed) {
        Random rnd = new Random(seed);
        int half = C / HEADS / 2;
        float[] x = new float[T * C];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] cos = new float[T * half];
        float[] sin = new float[T * half];
        for (int i = 0; i < cos.length; i++) {
            double a = rnd.nextDouble() * 6.28;
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
        return Map.of("x", x, "cos", cos, "sin", sin);
    }

    /** Runs the block on a backend made with fusion on or off; returns the outputs and the profile's step names. */
    public static Map.Entry<Map<String, HostTensor>, Set<String>> run(java.util.function.Supplier<CpuBackend> make, boolean fuse) {
        return run(make, fuse, Precision.FP32);
    }

    /** {@link #run(java.util.function.Supplier, boolean)} on the block at {@code precision} ({@link PrecisionPolicy}). */
    public static Map.Entry<Map<String, HostTensor>, Set<String>> run(java.util.function.Supplier<CpuBackend> make, boolean fuse,
                                                                     Precision precision) {
        CpuBackend be = make(make, fuse);
        Graph g = PrecisionPolicy.apply(block(), precision);
        try (be; CompiledGraph cg = be.compile(g, weights(g, 7)); ExecutionContext ctx = cg.newContext()) {
            Map<String, HostTensor> out = ctx.run(inputs(11));
            return Map.entry(out, ctx.lastRunNanosByOp().keySet());
        }
    }

    /** A backend made with the fusion pass on or off ({@value CpuBackend#FUSION_PROPERTY}, read when it is made). */
    static CpuBackend make(java.util.function.Supplier<CpuBackend> make, boolean fuse) {
        String old = System.getProperty(CpuBackend.FUSION_PROPERTY);
        System.setProperty(CpuBackend.FUSION_PROPERTY, Boolean.toString(fuse));
        try {
            return make.get();
        } finally {
            if (old == null) System.clearProperty(CpuBackend.FUSION_PROPERTY);
            else System.setProperty(CpuBackend.FUSION_PROPERTY, old);
        }
    }

    @Test
    void fusedBlockEqualsUnfusedBitForBit() {
        var fused = run(() -> new CpuBackend(2), true);
        var plain = run(() -> new CpuBackend(2), false);
        assertTrue(fused.getValue().containsAll(List.of("LINEAR+GELU", "ADD+LAYER_NORM", "SLICE+ROPE", "CONV_TRANSPOSE2D+GELU")),
                fused.getValue().toString());
        // q and k are sliced by the rotation, v is read in place by the attention: no slice step is left
        assertFalse(fused.getValue().contains("GELU") || fused.getValue().contains("ROPE") || fused.getValue().contains("SLICE"),
                fused.getValue().toString());
        assertTrue(plain.getValue().containsAll(List.of("LINEAR", "GELU", "ADD", "LAYER_NORM", "SLICE", "ROPE")),
                plain.getValue().toString());
        assertTrue(plain.getValue().stream().noneMatch(s -> s.contains("+")), plain.getValue().toString());
        for (String name : List.of("norm", "x", "up")) {
            assertArrayEquals(plain.getKey().get(name).data(), fused.getKey().get(name).data(), name);
        }
    }

    /**
     * The block at BF16 and FP16 ({@link PrecisionPolicy}): its casts to FP32 are planned as views of their operands
     * (the arrays hold the same floats), the slices of q and k fused into their rotations through them, and the values
     * are the unfused run's (every cast and slice a step) bit for bit. The pure-Java engine does not round operands
     * itself, so its casts to the reduced type stay steps.
     */
    @Test
    void castsToFp32AreViewsBitForBit() {
        for (Precision precision : List.of(Precision.BF16, Precision.FP16)) {
            var fused = run(() -> new CpuBackend(2), true, precision);
            var plain = run(() -> new CpuBackend(2), false, precision);
            for (String name : List.of("norm", "x", "up")) {
                assertArrayEquals(plain.getKey().get(name).data(), fused.getKey().get(name).data(), precision + " " + name);
            }
            // q and k rotated as they are sliced (read widened), v read in place: no slice step is left
            assertTrue(fused.getValue().contains("SLICE+ROPE") && !fused.getValue().contains("SLICE"),
                    fused.getValue().toString());
            // the pure-Java engine does not round its products' values itself: GELU stays a step of its own
            assertTrue(fused.getValue().contains("GELU") && !fused.getValue().contains("LINEAR+GELU"),
                    fused.getValue().toString());
            Graph g = PrecisionPolicy.apply(block(), precision);
            long widening = g.nodes().stream().filter(t -> t.op() == Op.CAST && t.dtype() == DType.F32).count();
            long narrowing = g.nodes().stream().filter(t -> t.op() == Op.CAST && t.dtype() != DType.F32).count();
            assertTrue(widening > 0 && narrowing > 0, widening + " / " + narrowing);
            for (boolean fuse : new boolean[] {true, false}) {
                try (CpuBackend be = make(() -> new CpuBackend(2), fuse); CompiledGraph cg = be.compile(g, weights(g, 7))) {
                    MemoryPlan plan = cg.plan();
                    long scheduled = plan.schedule().stream().filter(t -> t.op() == Op.CAST).count();
                    long views = g.nodes().stream().filter(plan::isView).filter(t -> t.op() == Op.CAST).count();
                    assertEquals(fuse ? narrowing : widening + narrowing, scheduled, precision + " fuse=" + fuse);
                    assertEquals(fuse ? widening : 0, views, precision + " fuse=" + fuse);
                }
            }
        }
    }

    /**
     * A ReLU feed-forward layer, as the fusion encoder and the detector decoder have them, applied by the product's
     * epilogue: the same floats as the separate {@code RELU}, whose zeros, negative zeros and NaN follow
     * {@code Math.max}. A second {@code RELU} of a product that has another reader stays a step of its own.
     */
    @Test
    void reluFeedForwardIsAppliedByTheProductBitForBit() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, T, C);
        Tensor h = g.relu(g.linear(x, g.weight("fc1.w", MLP, C), g.weight("fc1.b", MLP)));
        Tensor y = g.add(x, g.linear(h, g.weight("fc2.w", C, MLP), g.weight("fc2.b", C)));
        Tensor shared = g.linear(y, g.weight("fc3.w", C, C), null);
        g.output("y", y);
        g.output("z", g.add(g.relu(shared), shared));
        InMemoryWeights w = weights(g, 5);
        float[] in = inputs(13).get("x").clone();
        in[0] = Float.NaN; // a NaN through the product: NaN after the activation either way
        Map<String, float[]> feed = Map.of("x", in);
        Map<Boolean, Map<String, HostTensor>> out = new java.util.HashMap<>();
        for (boolean fuse : new boolean[] {true, false}) {
            try (CpuBackend be = make(() -> new CpuBackend(2), fuse); CompiledGraph cg = be.compile(g, w);
                 ExecutionContext ctx = cg.newContext()) {
                out.put(fuse, ctx.run(feed));
                Set<String> labels = ctx.lastRunNanosByOp().keySet();
                if (fuse) {
                    assertTrue(labels.contains("LINEAR+RELU") && labels.contains("RELU"), labels.toString());
                } else {
                    assertFalse(labels.contains("LINEAR+RELU"), labels.toString());
                }
            }
        }
        for (String name : List.of("y", "z")) {
            float[] a = out.get(false).get(name).data(), b = out.get(true).get(name).data();
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), name + "[" + i + "]");
            }
        }
    }

    /**
     * The pixel decoder's {@code ReLU(GroupNorm(lateral + x))} on maps of two samples, once with the norm read only by
     * the {@code RELU} (one pass: {@code GROUP_NORM+RELU}) and once with the norm also an output (two steps): the same
     * floats, bit for bit, as the unfused run, negative zeros and values below zero included.
     */
    @Test
    void groupNormReluIsOnePassBitForBit() {
        int n = 2, h = 9, w = 7, c = 32;
        Graph g = new Graph();
        Tensor x = g.input("x", n, h, w, c);
        Tensor lateral = g.input("lateral", n, h, w, c);
        Tensor a = g.relu(g.groupNorm(g.add(lateral, x), 8, g.weight("n0.w", c), g.weight("n0.b", c), 1e-5f));
        Tensor y = g.conv2d(a, g.weight("conv.w", c, c, 1, 1), g.weight("conv.b", c), 1, 0);
        Tensor shared = g.groupNorm(y, 4, g.weight("n1.w", c), g.weight("n1.b", c), 1e-5f);
        g.output("y", g.relu(shared));
        g.output("norm", shared);
        InMemoryWeights weights = weights(g, 3);
        Random rnd = new Random(17);
        float[] xs = new float[n * h * w * c];
        float[] ls = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (rnd.nextGaussian() * 3 + 1);
            ls[i] = (float) rnd.nextGaussian();
        }
        Map<Boolean, Map<String, HostTensor>> out = new java.util.HashMap<>();
        for (boolean fuse : new boolean[] {true, false}) {
            try (CpuBackend be = make(() -> new CpuBackend(2), fuse); CompiledGraph cg = be.compile(g, weights);
                 ExecutionContext ctx = cg.newContext()) {
                out.put(fuse, ctx.run(Map.of("x", xs, "lateral", ls)));
                Set<String> labels = ctx.lastRunNanosByOp().keySet();
                if (fuse) {
                    assertTrue(labels.contains("GROUP_NORM+RELU") && labels.contains("GROUP_NORM") && labels.contains("RELU"),
                            labels.toString());
                } else {
                    assertFalse(labels.contains("GROUP_NORM+RELU"), labels.toString());
                }
            }
        }
        float[] fused = out.get(true).get("y").data();
        int negative = 0;
        for (String name : List.of("y", "norm")) {
            float[] u = out.get(false).get(name).data(), f = out.get(true).get(name).data();
            for (int i = 0; i < u.length; i++) {
                assertEquals(Float.floatToRawIntBits(u[i]), Float.floatToRawIntBits(f[i]), name + "[" + i + "]");
            }
        }
        for (float v : out.get(true).get("norm").data()) if (v < 0) negative++;
        assertTrue(negative > 100 && java.util.stream.IntStream.range(0, fused.length).allMatch(i -> fused[i] >= 0f),
                "the ReLU clamps " + negative + " negative values");
    }

    /**
     * {@link CpuKernels#groupNorm}'s normalising pass against the formula it had per value ({@code (x - mean[group]) ·
     * rstd[group] · γ + β}, the group found by a division per channel), bit for bit, with and without the ReLU, on two
     * samples whose statistics differ; also in place, and on 1, 2 and 5 threads.
     */
    @Test
    void groupNormMatchesItsPerValueFormulaBitForBit() {
        int n = 2, hw = 37, c = 24, groups = 6, cg = c / groups;
        Random rnd = new Random(23);
        float[] x = new float[n * hw * c];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (i < hw * c ? 0.5 : 4) + i % 5);
        float[] gamma = new float[c], beta = new float[c];
        for (int i = 0; i < c; i++) {
            gamma[i] = (float) rnd.nextGaussian();
            beta[i] = (float) rnd.nextGaussian();
        }
        float[] expect = new float[x.length];
        for (int ng = 0; ng < n * groups; ng++) {
            int b = ng / groups, gi = ng % groups;
            double sum = 0, sumsq = 0;
            for (int p = 0; p < hw; p++) {
                for (int j = 0; j < cg; j++) {
                    double v = x[(b * hw + p) * c + gi * cg + j];
                    sum += v;
                    sumsq += v * v;
                }
            }
            double m = sum / ((double) hw * cg);
            float mean = (float) m;
            float rstd = (float) (1.0 / Math.sqrt(Math.max(sumsq / ((double) hw * cg) - m * m, 0) + 1e-5f));
            for (int p = 0; p < hw; p++) {
                for (int j = 0; j < cg; j++) {
                    int i = (b * hw + p) * c + gi * cg + j;
                    expect[i] = (x[i] - mean) * rstd * gamma[gi * cg + j] + beta[gi * cg + j];
                }
            }
        }
        // 1 thread: one range over both samples; 2: a sample each; 5: ranges that start and end inside a sample
        for (int threads : new int[] {1, 2, 5}) {
            try (Parallel par = new Parallel(threads)) {
                check(par, x, gamma, beta, expect, n, hw, c, groups);
            }
        }
    }

    private static void check(Parallel par, float[] x, float[] gamma, float[] beta, float[] expect, int n, int hw, int c,
                              int groups) {
        String on = par.threads() + " threads";
        for (boolean relu : new boolean[] {false, true}) {
            float[] y = new float[x.length + 3];
            CpuKernels.groupNorm(par, x, 0, gamma, 0, beta, 0, y, 3, n, hw, c, groups, 1e-5f, relu);
            float[] inPlace = x.clone();
            CpuKernels.groupNorm(par, inPlace, 0, gamma, 0, beta, 0, inPlace, 0, n, hw, c, groups, 1e-5f, relu);
            for (int i = 0; i < x.length; i++) {
                float e = relu ? Math.max(expect[i], 0f) : expect[i];
                assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(y[3 + i]), on + ", relu " + relu + " [" + i + "]");
                assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(inPlace[i]), on + ", in place [" + i + "]");
            }
        }
    }

    /** Two post-norm blocks, {@code x = norm(x + linear(x))}, as the prompt decoders (two-way transformer) have them. */
    static Graph postNormBlocks() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, T, C);
        for (int blk = 0; blk < 2; blk++) {
            String p = "p" + blk + ".";
            Tensor sum = g.add(x, g.linear(x, g.weight(p + "w", C, C), g.weight(p + "b", C)));
            x = g.layerNorm(sum, g.weight(p + "n.w", C), g.weight(p + "n.b", C), 1e-5f);
        }
        g.output("y", x);
        return g;
    }

    @Test
    void postNormSumsAreNormalisedInPlaceBitForBit() {
        Graph g = postNormBlocks();
        Map<String, float[]> in = Map.of("x", inputs(3).get("x"));
        float[][] out = new float[2][];
        for (int f = 0; f < 2; f++) {
            CpuBackend be = make(() -> new CpuBackend(2), f == 1);
            try (be; CompiledGraph cg = be.compile(g, weights(g, 5)); ExecutionContext ctx = cg.newContext()) {
                CpuCompiledGraph c = (CpuCompiledGraph) cg;
                List<CpuFusion.Step> fused = c.steps().stream().filter(s -> s.kind() == CpuFusion.Kind.ADD_LAYER_NORM)
                        .collect(Collectors.toList());
                assertEquals(f == 1 ? 2 : 0, fused.size());
                // the case this test is about: the plan runs a norm in place on its sum
                assertEquals(f == 1, fused.stream().anyMatch(s -> c.plan().kind(s.second()) == MemoryPlan.Kind.ARENA
                        && c.plan().arenaOffset(s.first()) == c.plan().arenaOffset(s.second())), fused.toString());
                out[f] = ctx.run(in).get("y").data();
            }
        }
        assertArrayEquals(out[0], out[1]);
    }

    /**
     * The mask decoder's upscaling on x[1, 5, 7, 32]: {@code GELU(norm(convT(x) + f1))}, then
     * {@code GELU(convT(·) + f2)}, with f2 computed in the arena (a ReLU of an input), and a transposed convolution
     * whose sum has a second reader (fused only up to the convolution's own step).
     */
    static Graph upscaling() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 5, 7, 32);
        Tensor f1 = g.input("f1", 1, 10, 14, 16);
        Tensor f2 = g.relu(g.input("f2", 1, 20, 28, 8));
        Tensor a = g.gelu(g.layerNorm(g.add(g.convTranspose2x2(x, g.weight("up0.w", 32, 16, 2, 2), g.weight("up0.b", 16)), f1),
                g.weight("ln.w", 16), g.weight("ln.b", 16), 1e-6f));
        Tensor b = g.gelu(g.add(g.convTranspose2x2(a, g.weight("up1.w", 16, 8, 2, 2), g.weight("up1.b", 8)), f2));
        g.output("y", g.scale(b, 0.5f));
        Tensor s = g.add(g.convTranspose2x2(x, g.weight("up2.w", 32, 16, 2, 2), null), f1);
        g.output("s", s);
        g.output("t", g.gelu(s));
        return g;
    }

    @Test
    void upscalingChainsAreAppliedAsTheConvolutionScattersBitForBit() {
        Graph g = upscaling();
        Random rnd = new Random(4);
        Map<String, float[]> in = new java.util.HashMap<>();
        for (Map.Entry<String, Tensor> e : g.inputs().entrySet()) {
            float[] v = new float[(int) e.getValue().numel()];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            in.put(e.getKey(), v);
        }
        Map<String, HostTensor>[] out = new Map[2];
        for (int f = 0; f < 2; f++) {
            CpuBackend be = make(() -> new CpuBackend(2), f == 1);
            try (be; CompiledGraph cg = be.compile(g, weights(g, 9)); ExecutionContext ctx = cg.newContext()) {
                out[f] = ctx.run(in);
                Set<String> labels = ctx.lastRunNanosByOp().keySet();
                if (f == 1) {
                    assertTrue(labels.containsAll(List.of("CONV_TRANSPOSE2D+ADD+LAYER_NORM+GELU", "CONV_TRANSPOSE2D+ADD+GELU",
                            "CONV_TRANSPOSE2D+ADD")), labels.toString());
                } else {
                    assertTrue(labels.stream().noneMatch(l -> l.contains("+")), labels.toString());
                }
            }
        }
        for (String name : List.of("y", "s", "t")) assertArrayEquals(out[0].get(name).data(), out[1].get(name).data(), name);
    }

    @Test
    void stepsCoverEveryScheduledNodeOnce() {
        Graph g = block();
        try (CpuBackend be = new CpuBackend(1); CompiledGraph cg = be.compile(g, weights(g, 7))) {
            CpuCompiledGraph c = (CpuCompiledGraph) cg;
            List<CpuFusion.Step> steps = c.steps();
            Set<Tensor> covered = steps.stream()
                    .flatMap(s -> s.second() == null ? java.util.stream.Stream.of(s.first()) : java.util.stream.Stream.of(s.first(), s.second()))
                    .collect(Collectors.toSet());
            assertEquals(Set.copyOf(c.plan().schedule()), covered);
            assertEquals(c.plan().schedule().size(), steps.size() + steps.stream().filter(s -> s.second() != null).count());
            // 2 blocks: fc1+GELU twice, residual+norm2 twice and residual+next norm once (+ final norm), q and k twice
            assertEquals(2, steps.stream().filter(s -> s.kind() == CpuFusion.Kind.LINEAR_GELU).count());
            assertEquals(1, steps.stream().filter(s -> s.kind() == CpuFusion.Kind.CONV_TRANSPOSE_EPILOGUE).count());
            assertEquals(4, steps.stream().filter(s -> s.kind() == CpuFusion.Kind.SLICE_ROPE).count());
            // the two v slices are strided views: planned, never scheduled
            List<Tensor> views = g.nodes().stream()
                    .filter(t -> t.op() == org.sam3j.graph.Op.SLICE && c.plan().isStridedView(t)).collect(Collectors.toList());
            assertEquals(2, views.size());
            for (Tensor v : views) {
                assertFalse(c.plan().schedule().contains(v));
                assertEquals(c.plan().arenaOffset(v.input(0)) + 4L * 2 * C, c.plan().arenaOffset(v)); // the third third
            }
            assertTrue(steps.stream().filter(s -> s.kind() == CpuFusion.Kind.ADD_LAYER_NORM).count() >= 3);
            for (int i = 1; i < steps.size(); i++) assertTrue(steps.get(i).last() > steps.get(i - 1).last());
            assertEquals(c.plan().schedule().size() - 1, steps.get(steps.size() - 1).last());
        }
    }
}
